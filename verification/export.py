"""The verval queue's filtered list as an XLSX workbook (docs/security.md #8): the rows the queue
lists in the reader's scope with its filters, every page; NIK/KK masked; every text cell escaped
(`spreadsheet_text`) so a name cannot run as a formula. Written with openpyxl's write-only workbook.
The view audits the download."""

import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from dtks.core.configuration import spreadsheet_text
from dtks.regions.selectors import region_labels
from dtks.registry.masking import mask_id
from dtks.registry.models import Finding

MAX_ROWS = 100_000
CHUNK = 2000


def _header() -> list[str]:
    return [
        _("Nomor usulan"),
        _("Jenis"),
        _("Saluran"),
        _("Keadaan"),
        _("Kelurahan/desa"),
        _("Kode wilayah"),
        _("Nama (orang pertama)"),
        _("Jumlah orang"),
        _("Nomor KK (disamarkan)"),
        _("Menunggu sejak"),
        _("Temuan integritas"),
    ]


def _cell(value):
    return spreadsheet_text(value) if isinstance(value, str) else value


def queue_workbook(*, rows, filters) -> tuple[bytes, int]:
    """(the XLSX file, the number of items in it) for an already scoped and filtered queryset."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("Antrean"))
    sheet.append(_header())
    n = 0
    batch: list = []

    def flush():
        labels = region_labels({r.village_code for r in batch})
        for r in batch:
            sheet.append(
                [
                    _cell(v)
                    for v in (
                        r.pk,
                        str(r.get_kind_display()),
                        str(r.get_channel_display()),
                        str(r.get_state_display()),
                        labels.get(r.village_code, r.village_code),
                        r.village_code,
                        r.first_name or "",
                        r.person_count or 0,
                        mask_id(r.no_kk),
                        timezone.localtime(r.updated_at).strftime("%Y-%m-%d %H:%M"),
                        ", ".join(sorted({Finding.rule_label(f.get("rule")) for f in r.findings or []})),
                    )
                ]
            )

    for row in rows[:MAX_ROWS].iterator(chunk_size=CHUNK):
        batch.append(row)
        n += 1
        if len(batch) >= CHUNK:
            flush()
            batch = []
    if batch:
        flush()
    about = wb.create_sheet(_("Keterangan"))
    for key, value in (
        (_("Dibuat"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (_("Saringan"), ", ".join(f"{k}={v}" for k, v in filters.query().items()) or _("tanpa saringan")),
        (_("Jumlah usulan"), n),
    ):
        about.append([_cell(str(key)), _cell(value)])
    with tempfile.TemporaryFile() as fh:
        wb.save(fh)
        fh.seek(0)
        return fh.read(), n
