import csv
import re
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dtks.core.formatting import angka
from dtks.registry.loading import BaselineRefused, FileRefused, registry_baseline_load
from dtks.registry.models import LoadError

PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str) -> date:
    m = PERIOD.match(text.strip())
    if not m or not 1 <= int(m[2]) <= 12:
        raise CommandError(f'Periode "{text}" tidak valid: tulis YYYY-MM, misalnya 2026-10.')
    return date(int(m[1]), int(m[2]), 1)


class Command(BaseCommand):
    help = (
        "Muat ekstrak DTKS (templat impor CSV/XLSX) sebagai periode terbit pertama registri. "
        "Baris dengan kesalahan format ditolak dan dilaporkan per baris; sisanya dimuat dengan temuan integritasnya."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--period", required=True, help="Periode, YYYY-MM.")
        parser.add_argument("--report", type=Path, help="Tulis baris yang ditolak ke berkas CSV ini.")
        parser.add_argument(
            "--actor", default="sistem:load_registry", help="Dicatat sebagai pelaku muat awal."
        )

    def handle(self, *args, **options):
        period = parse_period(options["period"])
        try:
            result = registry_baseline_load(
                path=Path(options["file"]),
                period=period,
                actor=options["actor"],
                progress=lambda msg: self.stdout.write(msg) if options["verbosity"] > 1 else None,
            )
        except (BaselineRefused, FileRefused) as exc:
            raise CommandError(str(exc)) from exc
        if result.already_loaded:
            self.stdout.write(
                f"Berkas ini sudah dimuat sebagai batch {result.batch_id} (periode {result.period:%Y-%m}); "
                "tidak ada yang diubah."
            )
            return
        for w in result.warnings:
            self.stdout.write(self.style.WARNING(w))
        rate = result.rows_read / result.seconds if result.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Periode {period:%Y-%m} terbit (batch {result.batch_id}): {angka(result.rows_read)} baris dibaca, "
                f"{angka(result.persons)} orang dan {angka(result.families)} keluarga dimuat, "
                f"{angka(result.rows_refused)} baris ditolak; {result.seconds:.1f} dtk ({angka(int(rate))} baris/dtk)."
            )
        )
        found = ", ".join(f"{rule}: {angka(n)}" for rule, n in result.findings.items() if n)
        self.stdout.write(f"Temuan integritas: {found or 'tidak ada'}.")
        errors = LoadError.objects.filter(batch_id=result.batch_id)
        for e in errors[:20]:
            self.stdout.write(f"  baris {e.row}, {e.field}: {e.message}")
        if result.rows_refused:
            total = errors.count()
            if total > 20:
                self.stdout.write(f"  … dan {angka(total - 20)} kesalahan lain.")
            if options["report"]:
                with Path(options["report"]).open("w", newline="", encoding="utf-8") as fh:
                    w = csv.writer(fh)
                    w.writerow(["baris", "kolom", "kode", "pesan"])
                    w.writerows(errors.values_list("row", "field", "code", "message").iterator())
                self.stdout.write(f"Laporan baris ditolak: {options['report']}")
