"""Passwords that are identity numbers or dates are refused (docs/security.md #5): a NIK, a KK number
and a birth date are printed on documents many people see, so they are guesses, not secrets."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SEPARATORS = re.compile(r"[\s./\-_,:]+")
SIXTEEN_DIGITS = re.compile(r"\d{16}")

# Indonesian and English month names and abbreviations, as people write them in dates.
MONTHS = {
    "januari": 1,
    "january": 1,
    "jan": 1,
    "februari": 2,
    "february": 2,
    "pebruari": 2,
    "feb": 2,
    "peb": 2,
    "maret": 3,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "juni": 6,
    "june": 6,
    "jun": 6,
    "juli": 7,
    "july": 7,
    "jul": 7,
    "agustus": 8,
    "august": 8,
    "agu": 8,
    "agt": 8,
    "aug": 8,
    "ags": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "october": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nopember": 11,
    "nov": 11,
    "nop": 11,
    "desember": 12,
    "december": 12,
    "des": 12,
    "dec": 12,
}
MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
DAY_MONTHNAME_YEAR = re.compile(rf"(\d{{1,2}})({MONTH_NAMES})(\d{{2}}|\d{{4}})")
MONTHNAME_DAY_YEAR = re.compile(rf"({MONTH_NAMES})(\d{{1,2}})(\d{{4}})")
NUMERIC_DATE = re.compile(r"(\d{1,4})[\s./\-_,]+(\d{1,2})[\s./\-_,]+(\d{1,4})")


def _year(text: str) -> int | None:
    if len(text) == 4:
        return int(text)
    if len(text) == 2:
        # Two-digit years as on a NIK: 00–29 → 2000s, 30–99 → 1900s.
        value = int(text)
        return 2000 + value if value < 30 else 1900 + value
    return None


def _is_date(year: int | None, month: int, day: int) -> bool:
    if year is None or not 1900 <= year <= 2099:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _digits_are_date(digits: str) -> bool:
    """DDMMYYYY, YYYYMMDD, MMDDYYYY, DDMMYY or YYMMDD."""
    if len(digits) == 8:
        return (
            _is_date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
            or _is_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            or _is_date(int(digits[4:]), int(digits[:2]), int(digits[2:4]))
        )
    if len(digits) == 6:
        return _is_date(_year(digits[4:]), int(digits[2:4]), int(digits[:2])) or _is_date(
            _year(digits[:2]), int(digits[2:4]), int(digits[4:])
        )
    return False


def looks_like_date(password: str) -> bool:
    text = password.strip().lower()
    match = NUMERIC_DATE.fullmatch(text)
    if match:
        a, b, c = match.groups()
        if len(a) == 4:  # YYYY-MM-DD
            return _is_date(int(a), int(b), int(c))
        year = _year(c)
        return _is_date(year, int(b), int(a)) or _is_date(year, int(a), int(b))
    compact = SEPARATORS.sub("", text)
    if compact.isdigit():
        return _digits_are_date(compact)
    match = DAY_MONTHNAME_YEAR.fullmatch(compact)
    if match:
        return _is_date(_year(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
    match = MONTHNAME_DAY_YEAR.fullmatch(compact)
    if match:
        return _is_date(int(match.group(3)), MONTHS[match.group(1)], int(match.group(2)))
    return False


def _contains_own_nik(compact: str, nik: str) -> bool:
    nik = "".join(ch for ch in nik if ch.isdigit())
    if len(nik) != 16:
        return False
    if any(nik[i : i + 8] in compact for i in range(len(nik) - 7)):
        return True
    day = int(nik[6:8])
    day = day - 40 if day > 40 else day  # women: day of birth + 40
    return f"{day:02d}{nik[8:12]}" in compact


class NotAnIdentityNumberValidator:
    """Refuses a 16-digit number (NIK or KK, also written with separators or inside the password),
    anything that reads as a date (DDMMYYYY, YYYYMMDD, DD-MM-YYYY, 17 Agustus 1945, …), and the
    user's own NIK when the user object carries one (`nik`): eight of its digits in a row, or the
    birth date it encodes."""

    def validate(self, password: str, user=None) -> None:
        compact = SEPARATORS.sub("", password)
        if SIXTEEN_DIGITS.search(compact):
            raise ValidationError(
                _("Kata sandi tidak boleh berisi NIK atau nomor KK (16 angka). Pilih kata sandi lain."),
                code="password_is_identity_number",
            )
        if _contains_own_nik(compact, str(getattr(user, "nik", "") or "")):
            raise ValidationError(
                _("Kata sandi tidak boleh berisi NIK Anda. Pilih kata sandi lain."),
                code="password_contains_own_nik",
            )
        if looks_like_date(password):
            raise ValidationError(
                _("Kata sandi tidak boleh berupa tanggal, misalnya tanggal lahir. Pilih kata sandi lain."),
                code="password_is_date",
            )

    def get_help_text(self) -> str:
        return _("Kata sandi tidak boleh berupa NIK, nomor KK, atau tanggal (misalnya tanggal lahir).")
