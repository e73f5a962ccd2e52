"""The hand-over sheet: usernames and one-time activation codes on paper (CSV and printable HTML)."""

import csv
import io

from django.template.loader import render_to_string
from django.utils import timezone

from dtks.regions.models import dotted

from .models import Role
from .services import IssuedCode

CSV_COLUMNS = (
    "nama",
    "username",
    "peran",
    "wilayah",
    "organisasi",
    "desa_tugas",
    "kode_aktivasi",
    "berlaku_sampai",
)


def _cell(value: str) -> str:
    # A spreadsheet must not run a name as a formula (docs/security.md #8).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def handover_rows(issued: list[IssuedCode]) -> list[dict]:
    rows = []
    for item in issued:
        user = item.user
        rows.append(
            {
                "nama": user.get_full_name() or user.username,
                "username": user.username,
                "peran": Role(user.role).label if user.role else "",
                "wilayah": dotted(user.region_code) if user.region_code else "",
                "organisasi": user.organisation.name if user.organisation_id else "",
                "desa_tugas": "; ".join(
                    dotted(v.village_code) for v in user.assigned_villages.order_by("village_code")
                ),
                "kode_aktivasi": item.code,
                "berlaku_sampai": timezone.localtime(item.expires_at).strftime("%d-%m-%Y %H:%M"),
            }
        )
    return rows


def handover_csv(issued: list[IssuedCode]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in handover_rows(issued):
        writer.writerow({key: _cell(str(value)) for key, value in row.items()})
    return out.getvalue()


def handover_html(issued: list[IssuedCode], *, activation_url: str) -> str:
    return render_to_string(
        "accounts/handover_sheet.html",
        {
            "rows": handover_rows(issued),
            "activation_url": activation_url,
            "printed_at": timezone.localtime().strftime("%d-%m-%Y %H:%M"),
        },
    )
