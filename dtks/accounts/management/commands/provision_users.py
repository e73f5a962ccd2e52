"""Creates users in bulk from a CSV and writes the hand-over sheet with their one-time codes.

    manage.py provision_users pengguna.csv [--keluaran DIR] [--oleh ADMIN] [--alamat https://dtks.example]

Columns: nama, username, peran (role code), wilayah (region code, dotted or not), organisasi (for
data_requester, optional), desa_tugas (for field_officer: village codes separated by ;). All or
nothing: if any row has an error, every error is listed and nothing is saved.
"""

import csv
import io
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from dtks.accounts.handover import handover_csv, handover_html
from dtks.accounts.models import User
from dtks.accounts.services import COLUMNS, REQUIRED_COLUMNS, ProvisioningError, user_provision

SYSTEM_ACTOR = "sistem:provision_users"


def read_rows(path: Path) -> list[dict]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: bukan teks UTF-8. Simpan ulang sebagai CSV UTF-8.") from error
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise CommandError(f"{path}: berkas kosong. Baris pertama harus judul kolom: {', '.join(COLUMNS)}.")
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise CommandError(
            f"{path}: kolom wajib tidak ada: {', '.join(missing)}. "
            f"Judul kolom yang dikenal: {', '.join(COLUMNS)}."
        )
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        row = {
            name: (values[i].strip() if i < len(values) else "")
            for i, name in enumerate(names)
            if name in COLUMNS
        }
        row["line"] = line
        rows.append(row)
    return rows


def write_private(path: Path, text: str) -> None:
    # The sheet holds live codes: readable by the owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


class Command(BaseCommand):
    help = "Membuat pengguna dari CSV dan mencetak lembar serah terima kode aktivasi (semua atau tidak sama sekali)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--keluaran", type=Path, help="folder untuk lembar serah terima (CSV dan HTML)")
        parser.add_argument("--oleh", help="nama pengguna administrator yang melakukan (untuk jejak audit)")
        parser.add_argument(
            "--alamat", default="", help="alamat situs DTKS, misalnya https://dtks.example.go.id"
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: berkas tidak ditemukan.")
        actor: User | str = SYSTEM_ACTOR
        if options["oleh"]:
            actor = User.objects.filter(username=options["oleh"], is_active=True).first()
            if actor is None:
                raise CommandError(f"--oleh {options['oleh']}: pengguna tidak ditemukan atau tidak aktif.")
        rows = read_rows(path)
        try:
            issued = user_provision(rows=rows, actor=actor)
        except ProvisioningError as error:
            for item in error.errors:
                self.stderr.write(str(item))
            raise CommandError(
                f"Tidak ada pengguna yang disimpan: perbaiki {len(error.errors)} kesalahan di atas, lalu jalankan lagi."
            ) from error
        except IntegrityError as error:
            raise CommandError(
                "Tidak ada pengguna yang disimpan: nama pengguna bentrok dengan yang baru dibuat "
                "pada saat yang sama. Jalankan lagi."
            ) from error

        out_dir: Path = options["keluaran"] or (
            Path(settings.VAR_DIR) / "serah-terima" / f"{timezone.localtime():%Y%m%d-%H%M%S}-{path.stem}"
        )
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        activation_url = options["alamat"].rstrip("/") + reverse("accounts:activate")
        csv_path, html_path = out_dir / "kode-aktivasi.csv", out_dir / "kode-aktivasi.html"
        write_private(csv_path, handover_csv(issued))
        write_private(html_path, handover_html(issued, activation_url=activation_url))
        self.stdout.write(self.style.SUCCESS(f"{len(issued)} pengguna dibuat."))
        self.stdout.write(f"Lembar serah terima (cetak, lalu hapus berkasnya): {html_path}")
        self.stdout.write(f"Daftar kode (CSV): {csv_path}")
