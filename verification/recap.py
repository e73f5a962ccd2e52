"""The recap PDF of a signed regency submission (issue 14; docs/verification.md): what was signed, by
whom, with which letter, and what it holds — counts by kind, channel and village, the overridden
findings, and the numbers of its items. It names no person: the province and the ministry read the
items through their own scoped pages. Drawn with fpdf2 (pure Python) and its core fonts, so the text
is Latin-1; anything else is replaced, never dropped silently.

The bytes are stored with the submission and their SHA-256 kept beside them (and in the audit row),
so a printed or mailed copy can be checked against the record.
"""

from fpdf import FPDF

from .models import RegencySubmission

LINE = 5.0
NUMBERS_PER_LINE = 10


def latin1(text: object) -> str:
    """Text for fpdf2's core fonts: Latin-1, anything else replaced (never dropped silently)."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


class _Recap(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.title_text = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("DTKS")

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, latin1(f"{self.title_text} - halaman {self.page_no()}/{{nb}}"), align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", style="B", size=10)
        self.cell(0, 6, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=9)

    def pair(self, label: str, value: object) -> None:
        self.cell(55, LINE, latin1(label))
        self.multi_cell(0, LINE, latin1(value), new_x="LMARGIN", new_y="NEXT")

    def table(self, head: tuple[str, str], rows: list[tuple[str, int]]) -> None:
        self.set_font("Helvetica", style="B", size=9)
        self.cell(140, LINE, latin1(head[0]), border="B")
        self.cell(0, LINE, latin1(head[1]), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=9)
        for label, n in rows:
            self.cell(140, LINE, latin1(label))
            self.cell(0, LINE, f"{n:,}".replace(",", "."), align="R", new_x="LMARGIN", new_y="NEXT")


def submission_recap_pdf(sub: RegencySubmission, summary, *, regency_name: str) -> bytes:
    """The recap of `sub` (signed, not yet saved) with its `summary` (verification/submissions.py)."""
    title = f"Rekap pengajuan {sub.label}"
    pdf = _Recap(title)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.multi_cell(
        0,
        7,
        latin1(f"Rekap pengajuan hasil verifikasi dan validasi {sub.label}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", size=9)
    pdf.pair("Kabupaten/kota", f"{regency_name} ({sub.regency_code})")
    pdf.pair("Disusun", sub.created_at.strftime("%d-%m-%Y %H:%M"))
    pdf.pair("Disahkan oleh", sub.signed_by.get_full_name() or sub.signed_by.get_username())
    pdf.pair("Disahkan pada", sub.signed_at.strftime("%d-%m-%Y %H:%M"))
    pdf.pair("Surat persetujuan", f"{sub.letter_number}, tanggal {sub.letter_date:%d-%m-%Y}")
    pdf.pair("SHA-256 surat", sub.letter_sha256)
    if sub.note:
        pdf.pair("Catatan", sub.note)
    pdf.pair("Jumlah usulan", f"{summary.total:,}".replace(",", "."))
    pdf.pair("Jumlah orang", f"{summary.persons:,}".replace(",", "."))

    pdf.heading("Menurut jenis usulan")
    pdf.table(("Jenis", "Usulan"), [(label, n) for _code, label, n in summary.by_kind])
    pdf.heading("Menurut jalur")
    pdf.table(("Jalur", "Usulan"), [(label, n) for _code, label, n in summary.by_channel])
    pdf.heading("Menurut desa/kelurahan")
    pdf.table(
        ("Desa/kelurahan", "Usulan"), [(f"{label} ({code})", n) for code, label, n in summary.by_village]
    )
    pdf.heading("Temuan integritas yang diabaikan dengan alasan")
    if summary.overrides:
        pdf.table(("Aturan", "Usulan"), [(f"{label} ({rule})", n) for rule, label, n in summary.overrides])
    else:
        pdf.cell(0, LINE, "Tidak ada.", new_x="LMARGIN", new_y="NEXT")

    pdf.heading("Nomor usulan dalam pengajuan ini")
    ids = list(sub.entries.order_by("item_id").values_list("item_id", flat=True))
    pdf.set_font("Courier", size=8)
    for start in range(0, len(ids), NUMBERS_PER_LINE):
        pdf.cell(
            0,
            4,
            " ".join(f"#{i:<9}" for i in ids[start : start + NUMBERS_PER_LINE]),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return bytes(pdf.output())
