"""No NIK, KK or date as a password (docs/security.md #5)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from dtks.accounts.validators import NotAnIdentityNumberValidator

validator = NotAnIdentityNumberValidator()


@pytest.mark.parametrize(
    "password, code",
    [
        ("3371011505800001", "password_is_identity_number"),  # NIK
        ("3371-0115-0580-0001", "password_is_identity_number"),  # with separators
        ("3371 0115 0580 0001", "password_is_identity_number"),
        ("33.71.01.150580.0001", "password_is_identity_number"),
        ("kk3371011201100003!", "password_is_identity_number"),  # inside other text
        ("17081945", "password_is_date"),  # DDMMYYYY
        ("19450817", "password_is_date"),  # YYYYMMDD
        ("17-08-1945", "password_is_date"),
        ("17/08/1945", "password_is_date"),
        ("17.08.1945", "password_is_date"),
        ("1945-08-17", "password_is_date"),
        ("170845", "password_is_date"),  # DDMMYY as in a NIK
        ("17 Agustus 1945", "password_is_date"),
        ("17agustus1945", "password_is_date"),
        ("29-Feb-2000", "password_is_date"),
        ("Desember 25 1999", "password_is_date"),
    ],
)
def test_refused(password, code):
    with pytest.raises(ValidationError) as error:
        validator.validate(password)
    assert error.value.code == code
    assert "Pilih kata sandi lain" in error.value.messages[0]


@pytest.mark.parametrize(
    "password",
    [
        "Kopi-Tubruk-Pagi-7",
        "31-02-1990",  # not a real date: harmless as a date rule (other validators judge its strength)
        "tanggal-17-rumah",
        "123456789012345",  # 15 digits: not a NIK/KK
        "Sawah Hijau 2024 Lebat",
    ],
)
def test_accepted(password):
    validator.validate(password)


def test_own_nik_parts_and_birth_date_are_refused():
    # A woman's NIK: day of birth 15 + 40 = 55.
    user = SimpleNamespace(nik="3371015505850002")
    for password in ("Rumah-33710155-ku", "ulang-tahun-150585!"):
        with pytest.raises(ValidationError) as error:
            validator.validate(password, user)
        assert error.value.code == "password_contains_own_nik"
    validator.validate("Rumah-Joglo-Tua-9", user)


def test_wired_into_auth_password_validators():
    with pytest.raises(ValidationError) as error:
        validate_password("17 Agustus 1945")
    assert any("tanggal" in message for message in error.value.messages)
    assert "NIK" in validator.get_help_text()
