"""A prelist on paper (issue 15): the families of one village to visit, as XLSX (openpyxl, write-only)
and as a printable PDF (fpdf2, like the submission recap), for field officers who work with paper
where even the offline page is not an option. Each row: number, name of the head, masked KK, address,
why the family is visited, and empty columns for the visit date, the officer's note and a signature.
No NIK (docs/security.md #8); text cells escaped so a name cannot run as a formula. The views audit
every download."""

import io

from django.utils.translation import gettext as _
from fpdf import FPDF
from openpyxl import Workbook

from dtks.core.configuration import spreadsheet_text

from .models import Prelist
from .recap import latin1


def _rows(entries) -> list[list[str]]:
    return [
        [str(i), e.nama or "–", e.no_kk_masked or "–", e.alamat or "–", str(e.get_reason_display())]
        for i, e in enumerate(entries, start=1)
    ]


def _header() -> list[str]:
    return [_("No."), _("Kepala keluarga"), _("Nomor KK (disamarkan)"), _("Alamat"), _("Alasan kunjungan")]


def prelist_workbook(prelist: Prelist, entries, *, village: str) -> bytes:
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("Prelist"))
    sheet.append([spreadsheet_text(prelist.title)])
    sheet.append([spreadsheet_text(village)])
    sheet.append([])
    sheet.append([*_header(), _("Tanggal kunjungan"), _("Catatan"), _("Paraf")])
    for row in _rows(entries):
        sheet.append([spreadsheet_text(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def prelist_pdf(prelist: Prelist, entries, *, village: str, officers: list[str]) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.multi_cell(0, 7, latin1(prelist.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(0, 5, latin1(village), new_x="LMARGIN", new_y="NEXT")
    if officers:
        pdf.multi_cell(0, 5, latin1(_("Petugas") + ": " + ", ".join(officers)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    widths = (10, 55, 38, 80, 40, 24, 30)
    pdf.set_font("Helvetica", style="B", size=8)
    for w, text in zip(widths, [*_header(), _("Tanggal"), _("Paraf")], strict=True):
        pdf.cell(w, 6, latin1(text), border=1)
    pdf.ln(6)
    pdf.set_font("Helvetica", size=8)
    for row in _rows(entries):
        for w, text in zip(widths, [*row, "", ""], strict=True):
            pdf.cell(w, 8, latin1(text)[:60], border=1)
        pdf.ln(8)
    return bytes(pdf.output())
