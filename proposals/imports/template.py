"""The import template (docs/design.md §6): the CSV header, and an XLSX with the NIK and KK columns
formatted as text and a second sheet explaining every column."""

import io

from dtks.registry.reading import TEMPLATE_COLUMNS

TEMPLATE_HELP = (
    ("no_kk", "Nomor KK, 16 digit, sebagai Teks. Kosongkan untuk individu di luar keluarga."),
    ("nik", "NIK, 16 digit, sebagai Teks (jangan biarkan Excel mengubahnya menjadi angka)."),
    ("tanggal_lahir", "YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY."),
    ("jenis_kelamin", "L atau P."),
    (
        "hubungan_keluarga",
        "KEPALA KELUARGA, SUAMI, ISTRI, ANAK, MENANTU, CUCU, ORANG TUA, MERTUA, FAMILI LAIN, "
        "PEMBANTU, LAINNYA.",
    ),
    ("kode_wilayah", "Kode kelurahan/desa Kemendagri 10 digit (titik boleh)."),
    ("kriteria, disabilitas, program", "Beberapa nilai dipisah titik koma (;)."),
)


def import_template_csv() -> bytes:
    return ("\ufeff" + ",".join(TEMPLATE_COLUMNS) + "\r\n").encode("utf-8")


def import_template_xlsx() -> bytes:
    """The template with the NIK and KK columns formatted as Text, so Excel keeps all 16 digits."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(list(TEMPLATE_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for idx, name in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = max(12, len(name) + 2)
        if name in ("nik", "no_kk", "kode_wilayah", "rt", "rw"):
            ws.column_dimensions[letter].number_format = "@"
            for row in range(2, 1002):
                ws.cell(row=row, column=idx).number_format = "@"
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet("Petunjuk")
    help_ws.append(["Kolom", "Cara mengisi"])
    for row in TEMPLATE_HELP:
        help_ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
