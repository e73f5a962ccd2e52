"""The reconciliation as an XLSX workbook (docs/security.md #8): the rows the caller's page lists, in
its scope and with its filters, our value beside Dukcapil's for each part. Written with openpyxl's
write-only workbook (rows streamed, never the whole sheet in memory); every text cell escaped as the
configuration exports are (`spreadsheet_text`), so a name cannot run as a formula. NIK and KK are
masked as on the page: the person's page shows them in full, audited. The view audits the download.
"""

import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from dtks.core.configuration import spreadsheet_text
from dtks.regions.selectors import region_labels
from dtks.registry.masking import mask_id

from .comparison import comparison
from .forms import REASON_LABELS

# Above this the download is refused with a hint to filter (a sheet holds 1,048,576 rows at most).
MAX_ROWS = 500_000
CHUNK = 2000
PARTS = ("nama", "tanggal_lahir", "jenis_kelamin", "no_kk", "kode_wilayah", "alamat")


def _header() -> list[str]:
    ours, theirs = _("data ini"), _("Dukcapil")
    cols = [
        _("ID orang"),
        _("Nama"),
        _("NIK (disamarkan)"),
        _("Kelurahan/desa"),
        _("Kode wilayah"),
        _("Alasan"),
    ]
    labels = {
        "nama": _("Nama"),
        "tanggal_lahir": _("Tanggal lahir"),
        "jenis_kelamin": _("Jenis kelamin"),
        "no_kk": _("Nomor KK (disamarkan)"),
        "kode_wilayah": _("Desa/kelurahan alamat"),
        "alamat": _("Alamat (tidak dibandingkan)"),
    }
    for part in PARTS:
        cols += [f"{labels[part]} — {ours}", f"{labels[part]} — {theirs}"]
    cols.append(_("Keterangan"))
    return cols


def _line(row, labels: dict[str, str]) -> list:
    finding = {"rule": "CIVIL_REGISTRY_MISMATCH", "detail": {"parts": row.detail.get("parts", [])}}
    cmp = comparison(finding, regions=labels)
    by_part = {r["part"]: r for r in cmp["rows"]}
    values = [
        row.person_id,
        row.nama,
        mask_id(row.nik),
        labels.get(row.village_code, row.village_code),
        row.village_code,
        ", ".join(str(REASON_LABELS.get(p, p)) for p in row.parts),
    ]
    for part in PARTS:
        r = by_part.get(part)
        values += [r["ours"], r["theirs"]] if r else ["", ""]
    notes = [r["note"] for r in cmp["rows"] if r["note"]]
    values.append(cmp["sentence"] or "; ".join(str(n) for n in notes))
    return [spreadsheet_text(str(v)) if isinstance(v, str) else v for v in values]


def _codes(rows) -> set[str]:
    codes = {r.village_code for r in rows}
    for r in rows:
        for p in r.detail.get("parts", []):
            if p.get("part") == "kode_wilayah":
                codes |= {p.get("ours") or "", p.get("theirs") or ""}
    return codes - {""}


def reconciliation_workbook(*, rows, summary, area: str, reason: str) -> tuple[bytes, int]:
    """(the XLSX file, the number of persons in it) for an already scoped and filtered queryset."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("Berbeda"))
    sheet.append(_header())
    n = 0
    batch: list = []

    def flush():
        labels = region_labels(_codes(batch))
        for r in batch:
            sheet.append(_line(r, labels))

    for row in rows.iterator(chunk_size=CHUNK):
        batch.append(row)
        n += 1
        if len(batch) >= CHUNK:
            flush()
            batch = []
    if batch:
        flush()
    about = wb.create_sheet(_("Keterangan"))
    extract = summary.extract
    for key, value in (
        (_("Sumber ekstrak"), extract.source if extract else ""),
        (_("Tanggal ekstrak"), extract.extract_date.isoformat() if extract else ""),
        (_("Dihitung"), timezone.localtime(summary.computed_at).strftime("%Y-%m-%d %H:%M")),
        (_("Wilayah"), area or _("seluruh cakupan")),
        (_("Alasan"), str(REASON_LABELS.get(reason, "")) or _("semua alasan")),
        (_("Orang diperiksa"), summary.persons_checked),
        (_("Orang berbeda"), n),
    ):
        about.append(
            [spreadsheet_text(str(key)), spreadsheet_text(value) if isinstance(value, str) else value]
        )
    with tempfile.TemporaryFile() as fh:
        wb.save(fh)
        fh.seek(0)
        return fh.read(), n
