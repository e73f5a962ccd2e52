from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dtks.civil.loading import ExtractRefused, FileRefused, civil_extract_load
from dtks.civil.models import ExtractError
from dtks.civil.reconciliation import reconciliation_compute
from dtks.core.formatting import angka


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(
            f'Tanggal ekstrak "{text}" tidak valid: tulis YYYY-MM-DD, misalnya 2026-11-30.'
        ) from exc


class Command(BaseCommand):
    help = (
        "Muat ekstrak data kependudukan Dukcapil (CSV/XLSX: nik, nama, tempat_lahir, tanggal_lahir, "
        "jenis_kelamin, no_kk, kode_wilayah, alamat) sebagai ekstrak yang berlaku untuk aturan "
        "CIVIL_REGISTRY_*. Baris yang salah ditolak dan dilaporkan per baris; berkas yang sama dua kali "
        "tidak mengubah apa pun. Sesudahnya rekonsiliasi dengan registri dihitung (docs/civil_registry.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--source", required=True, help='Sumber ekstrak, misalnya "Dukcapil Kab. Magelang".'
        )
        parser.add_argument("--date", required=True, help="Tanggal ekstrak, YYYY-MM-DD.")
        parser.add_argument("--actor", default="sistem:load_civil_registry", help="Dicatat sebagai pelaku.")

    def handle(self, *args, **options):
        day = parse_day(options["date"])
        source = options["source"].strip()
        if not source:
            raise CommandError("--source wajib diisi: nama sumber ekstrak, misalnya Dukcapil Kab. Magelang.")
        try:
            result = civil_extract_load(
                path=options["file"],
                source=source,
                extract_date=day,
                actor=options["actor"],
                progress=lambda msg: self.stdout.write(msg) if options["verbosity"] > 1 else None,
            )
        except (ExtractRefused, FileRefused) as exc:
            raise CommandError(str(exc)) from exc
        e = result.extract
        if result.already_loaded:
            self.stdout.write(
                f"Berkas ini sudah menjadi ekstrak yang berlaku (#{e.pk}, {e}); tidak ada yang diubah."
            )
            return
        for w in result.warnings:
            self.stdout.write(self.style.WARNING(w))
        self.stdout.write(
            self.style.SUCCESS(
                f"Ekstrak #{e.pk} ({e}) berlaku: {angka(e.rows_read)} baris dibaca, {angka(e.persons)} dimuat, "
                f"{angka(e.rows_refused)} ditolak; {result.seconds:.1f} dtk."
            )
        )
        rec = reconciliation_compute(extract_id=e.pk, actor=options["actor"])
        if rec is not None:
            self.stdout.write(
                f"Rekonsiliasi dengan registri: {angka(rec.persons_checked)} orang diperiksa, "
                f"{angka(rec.persons_differing)} berbeda."
            )
        errors = ExtractError.objects.filter(extract=e)
        for err in errors[:20]:
            self.stdout.write(f"  baris {err.row}, {err.field}: {err.message}")
        total = errors.count()
        if total > 20:
            self.stdout.write(f"  … dan {angka(total - 20)} kesalahan lain.")
