"""Accounts: provisioning users from a CSV, one-time activation codes handed over on paper,
activation (password, then TOTP), administrator resets, and the audit rows of every sign-in step.

No e-mail anywhere (docs/design.md §2): an administrator hands a code over; the user sets a password and,
where the role needs it, enrols TOTP. Every function writes its audit row (no passwords, codes or
OTPs in it).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.audit.models import Outcome
from dtks.audit.services import audit_record
from dtks.regions.models import Level, Region, undotted

from .auth import record_username
from .models import ActivationCode, AssignedVillage, Organisation, Role, User
from .scope import REGION_LENGTH, ROLE_SCOPE, ScopeKind

# No 0/O, 1/I/L: the code is read off paper and typed in by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12 ≈ 2^59: far beyond what five tries per (username, IP) can guess
DEVICE_NAME = "DTKS"


# --- activation codes -------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    """A code as shown once to whoever issued it; only its HMAC is stored."""

    user: User
    code: str
    expires_at: datetime


class InvalidActivationCode(ValidationError):
    """Wrong username/code, or a code that is used, revoked or expired."""


def normalise_code(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def code_hash(code: str) -> str:
    # An HMAC (keyed with SECRET_KEY), not a slow password hash: the code is random and long, and
    # provisioning a thousand users must not take minutes.
    return salted_hmac("dtks.accounts.activation_code", normalise_code(code), algorithm="sha256").hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _issue_code(*, user: User, issued_by: User | None) -> IssuedCode:
    now = timezone.now()
    ActivationCode.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    code = _new_code()
    expires_at = now + timedelta(days=settings.DTKS_ACTIVATION_CODE_DAYS)
    ActivationCode.objects.create(
        user=user, code_hash=code_hash(code), created_at=now, expires_at=expires_at, issued_by=issued_by
    )
    return IssuedCode(user=user, code=code, expires_at=expires_at)


def _require_admin(actor: User | str) -> User | None:
    """Provisioning and resets are for administrators; a string actor is a named system actor
    (a management command run on the server)."""
    if isinstance(actor, str):
        return None
    if actor.is_active and (actor.role == Role.ADMIN or actor.is_superuser):
        return actor
    raise PermissionDenied(_("Hanya administrator yang boleh mengelola akun pengguna."))


def _reset(*, user: User, actor: User | str, action: str, reset_otp: bool) -> IssuedCode:
    issued_by = _require_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        # An unusable password also ends the user's open sessions (their session hash changes).
        user.set_unusable_password()
        user.save(update_fields=["password"])
        removed = 0
        if reset_otp:
            removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
        issued = _issue_code(user=user, issued_by=issued_by)
        audit_record(
            actor=actor,
            action=action,
            object_type="accounts.user",
            object_id=user.pk,
            region_code=user.region_code,
            detail={
                "username": user.username,
                "expires_at": issued.expires_at.isoformat(),
                **({"otp_devices_removed": removed} if reset_otp else {}),
            },
        )
    return issued


def activation_code_issue(*, user: User, actor: User | str) -> IssuedCode:
    """A new one-time code for `user` (earlier unused codes are revoked). The password is made
    unusable until the code is used, so this is also the administrator's password reset."""
    return _reset(user=user, actor=actor, action="account.activation_code_issue", reset_otp=False)


def otp_reset(*, user: User, actor: User | str) -> IssuedCode:
    """Password and TOTP reset: removes the user's TOTP devices and issues a new activation code;
    with it the user sets a new password and enrols TOTP again."""
    return _reset(user=user, actor=actor, action="account.otp_reset", reset_otp=True)


def user_activate(*, username: str, code: str, password: str, ip: str | None = None) -> User:
    """First login (or after a reset): a valid one-time code lets the user set a password.

    Raises InvalidActivationCode (the caller counts it as a failed login for the lockout) or the
    password validators' ValidationError (the code is then not used up).
    """
    user = User.objects.filter(username=username, is_active=True).first()
    refusal = None
    if user is None:
        refusal = "unknown_user"
    else:
        with transaction.atomic():
            wanted = code_hash(code)
            # Looked up by its HMAC: comparing keyed hashes leaks nothing about the code.
            candidate = ActivationCode.objects.select_for_update().filter(user=user, code_hash=wanted).first()
            if candidate is None:
                refusal = "wrong_code"
            elif candidate.used_at is not None:
                refusal = "used"
            elif not candidate.usable():
                refusal = "expired"
            else:
                validate_password(password, user)
                user.set_password(password)
                user.save(update_fields=["password"])
                candidate.used_at = timezone.now()
                candidate.save(update_fields=["used_at"])
                audit_record(
                    actor=user,
                    action="account.activate",
                    object_type="accounts.user",
                    object_id=user.pk,
                    region_code=user.region_code,
                    ip=ip,
                )
                return user
    audit_record(
        actor=user or "anonim",
        action="account.activate",
        object_type="accounts.user",
        object_id=user.pk if user else "",
        ip=ip,
        outcome=Outcome.DENIED,
        detail={"username": record_username(username), "reason": refusal},
    )
    if refusal in ("used", "expired"):
        raise InvalidActivationCode(
            _(
                "Kode aktivasi ini sudah dipakai, dibatalkan, atau kedaluwarsa. Minta kode baru kepada administrator."
            ),
            code=refusal,
        )
    raise InvalidActivationCode(
        _("Nama pengguna atau kode aktivasi salah. Periksa kembali lembar serah terima Anda."),
        code="invalid",
    )


# --- sign-in events and TOTP ---------------------------------------------------------------------


def login_attempt_record(
    *,
    user: User | None,
    username: str,
    ip: str | None,
    outcome: str,
    action: str = "auth.login",
    detail: dict | None = None,
) -> None:
    """Audit row of a sign-in step (login, lockout, logout). Never the password."""
    audit_record(
        actor=user or "anonim",
        action=action,
        object_type="accounts.user",
        object_id=user.pk if user else "",
        region_code=user.region_code if user else "",
        ip=ip,
        outcome=outcome,
        detail={"username": record_username(username), **(detail or {})},
    )


def otp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first call so reloading the page keeps the
    same secret. Refused when the user already has a confirmed device (reset first)."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied(
            _("TOTP Anda sudah terpasang. Minta administrator mereset TOTP bila perangkat hilang.")
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def otp_enrol_confirm(*, user: User, token: str, ip: str | None = None) -> TOTPDevice | None:
    """Confirms the enrolment device with a first token from the user's app."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("id").first()
        )
        if device is None:
            return None
        ok = device.verify_token(token)
        if ok:
            device.confirmed = True
            device.save()
    audit_record(
        actor=user,
        action="auth.otp_enrol",
        object_type="accounts.user",
        object_id=user.pk,
        region_code=user.region_code,
        ip=ip,
        outcome=Outcome.OK if ok else Outcome.DENIED,
    )
    return device if ok else None


def otp_check(*, user: User, token: str, ip: str | None = None) -> TOTPDevice | None:
    """Verifies a token against the user's confirmed device (django-otp throttles repeated failures)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    verified = verify_token(user, device.persistent_id, token) if device else None
    audit_record(
        actor=user,
        action="auth.otp_verify",
        object_type="accounts.user",
        object_id=user.pk,
        region_code=user.region_code,
        ip=ip,
        outcome=Outcome.OK if verified else Outcome.DENIED,
    )
    return verified


# --- bulk provisioning ---------------------------------------------------------------------------

COLUMNS = ("nama", "username", "peran", "wilayah", "organisasi", "desa_tugas")
REQUIRED_COLUMNS = ("nama", "username", "peran")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("baris %(line)s, kolom %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class ProvisioningError(Exception):
    """The file has errors; nothing was saved. `errors` names each row and column."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class _Planned:
    line: int
    name: str
    username: str
    role: str
    region_code: str
    organisation: Organisation | None
    villages: list[str] = field(default_factory=list)


def _split_villages(value: str) -> list[str]:
    return [undotted(part) for part in value.replace(",", ";").split(";") if part.strip()]


@dataclass
class _Known:
    """What the rows are checked against, read once for the whole file (three queries)."""

    regions: dict[str, int]  # code -> level, for the codes the file names
    organisations: dict[str, Organisation]  # lower-cased name -> active organisation the file names
    taken: set[str]  # lower-cased usernames of existing users the file names
    seen: dict[str, int] = field(default_factory=dict)  # lower-cased username -> first line with it


def _known(rows: list[dict]) -> _Known:
    region_codes: set[str] = set()
    org_names: set[str] = set()
    for row in rows:
        region_codes.add(undotted(row.get("wilayah") or ""))
        region_codes.update(_split_villages(row.get("desa_tugas") or ""))
        if (row.get("organisasi") or "").strip():
            org_names.add(row["organisasi"].strip().lower())
    regions = dict(Region.objects.filter(code__in=region_codes - {""}).values_list("code", "level"))
    organisations = {
        o.name.lower(): o for o in Organisation.objects.filter(is_active=True) if o.name.lower() in org_names
    }
    usernames = [(row.get("username") or "").strip() for row in rows]
    taken = {
        u.lower()
        for u in User.objects.filter(username__in=[u for u in usernames if u]).values_list(
            "username", flat=True
        )
    }
    return _Known(regions=regions, organisations=organisations, taken=taken)


@dataclass
class _Row:
    """One row being checked: its cells, and the values the checks so far have read from them."""

    cells: dict
    line: int
    region: str  # wilayah, undotted
    villages: list[str]  # desa_tugas, undotted
    name: str = ""
    username: str = ""
    role: str = ""
    kind: str | None = None  # the role's scope kind; None while the role is not known
    organisation: Organisation | None = None

    @classmethod
    def read(cls, cells: dict) -> "_Row":
        return cls(
            cells=cells,
            line=cells["line"],
            region=undotted(cells.get("wilayah") or ""),
            villages=_split_villages(cells.get("desa_tugas") or ""),
        )


_Report = Callable[[str], None]  # records an error message against the checked column of the row
_username_validator = UnicodeUsernameValidator()
_ROLES = frozenset(r.value for r in Role)


def _check_name(row: _Row, known: _Known, report: _Report) -> None:
    row.name = " ".join((row.cells.get("nama") or "").split())
    if not row.name:
        report(_("wajib diisi: tulis nama lengkap pengguna."))
    elif len(row.name) > 150:
        report(_("terlalu panjang (paling banyak 150 karakter)."))


def _check_username(row: _Row, known: _Known, report: _Report) -> None:
    username = row.username = (row.cells.get("username") or "").strip()
    if not username:
        report(_("wajib diisi: tulis nama pengguna untuk masuk, misalnya op.3371011001."))
        return
    try:
        _username_validator(username)
    except ValidationError:
        report(_("hanya boleh berisi huruf, angka, dan @ . + - _ (tanpa spasi)."))
    if len(username) > 150:
        report(_("terlalu panjang (paling banyak 150 karakter)."))
    key = username.lower()
    if key in known.taken:
        report(
            _("'%(username)s' sudah dipakai pengguna lain; pilih nama pengguna lain.")
            % {"username": username}
        )
    elif key in known.seen:
        report(
            _("'%(username)s' sudah muncul di baris %(other)s; setiap nama pengguna hanya sekali.")
            % {"username": username, "other": known.seen[key]}
        )
    known.seen.setdefault(key, row.line)


def _check_role(row: _Row, known: _Known, report: _Report) -> None:
    role = (row.cells.get("peran") or "").strip().lower()
    if role not in _ROLES:
        report(
            _("'%(role)s' bukan kode peran; pakai salah satu dari: %(roles)s.")
            % {"role": row.cells.get("peran") or "", "roles": ", ".join(sorted(_ROLES))}
        )
        return
    row.role = role
    row.kind = ROLE_SCOPE[role]


def _check_region(row: _Row, known: _Known, report: _Report) -> None:
    role, region, written = row.role, row.region, row.cells.get("wilayah")
    unknown = _("kode wilayah '%(code)s' tidak ada dalam daftar wilayah Kemendagri.")
    if row.kind in REGION_LENGTH:
        length = REGION_LENGTH[row.kind]
        level_name = {
            10: _("desa/kelurahan (10 angka)"),
            4: _("kabupaten/kota (4 angka)"),
            2: _("provinsi (2 angka)"),
        }[length]
        if not region:
            report(
                _("wajib diisi untuk peran %(role)s: kode %(level)s.") % {"role": role, "level": level_name}
            )
        elif len(region) != length:
            report(
                _("peran %(role)s memerlukan kode %(level)s, bukan '%(code)s'.")
                % {"role": role, "level": level_name, "code": written}
            )
        elif region not in known.regions:
            report(unknown % {"code": written})
    elif row.kind == ScopeKind.ASSIGNED_VILLAGES:
        # A field officer's region is optional: it only narrows where the villages must lie.
        if region and region not in known.regions:
            report(unknown % {"code": written})
    elif region:
        report(_("peran %(role)s tidak memakai wilayah; kosongkan kolom ini.") % {"role": role})


def _check_villages(row: _Row, known: _Known, report: _Report) -> None:
    villages, region = row.villages, row.region
    if row.kind != ScopeKind.ASSIGNED_VILLAGES:
        if villages:
            report(_("hanya untuk peran field_officer; kosongkan kolom ini."))
        return
    if not villages:
        report(_("wajib diisi untuk pendamping: kode desa/kelurahan dipisah titik koma (;)."))
    for code in villages:
        if len(code) != 10 or known.regions.get(code) != Level.VILLAGE:
            report(_("'%(code)s' bukan kode desa/kelurahan yang terdaftar.") % {"code": code})
        elif region and not code.startswith(region):
            report(
                _("desa %(code)s tidak berada di wilayah %(region)s.")
                % {"code": code, "region": row.cells.get("wilayah")}
            )
    if len(set(villages)) != len(villages):
        report(_("ada kode desa yang ditulis dua kali."))


def _check_organisation(row: _Row, known: _Known, report: _Report) -> None:
    org_name = (row.cells.get("organisasi") or "").strip()
    if not org_name:
        return
    if row.role != Role.DATA_REQUESTER:
        report(_("hanya untuk peran data_requester; kosongkan kolom ini."))
        return
    row.organisation = known.organisations.get(org_name.lower())
    if row.organisation is None:
        report(
            _("organisasi '%(name)s' belum terdaftar; tambahkan dulu di halaman admin Organisasi.")
            % {"name": org_name}
        )


_Check = Callable[[_Row, _Known, _Report], None]
# Each column's check, in the order a row's errors are listed. The columns after `peran` are
# checked only once the role is known: what they may hold depends on it.
_ROW_CHECKS: dict[str, _Check] = {
    "nama": _check_name,
    "username": _check_username,
    "peran": _check_role,
}
_ROLE_CHECKS: dict[str, _Check] = {
    "wilayah": _check_region,
    "desa_tugas": _check_villages,
    "organisasi": _check_organisation,
}


def _check_columns(checks: dict[str, _Check], row: _Row, known: _Known, errors: list[RowError]) -> None:
    for column, check in checks.items():
        check(row, known, partial(_add_error, errors, row.line, column))


def _add_error(errors: list[RowError], line: int, column: str, message: str) -> None:
    errors.append(RowError(line, column, message))


def _plan(rows: list[dict], errors: list[RowError]) -> list[_Planned]:
    """Checks every row (appending to `errors`); returns the rows without errors, ready to create."""
    known = _known(rows)
    planned = []
    for cells in rows:
        row = _Row.read(cells)
        before = len(errors)
        _check_columns(_ROW_CHECKS, row, known, errors)
        if row.kind is None:  # no known role (reported): the other columns depend on it
            continue
        _check_columns(_ROLE_CHECKS, row, known, errors)
        if len(errors) == before:
            planned.append(
                _Planned(
                    row.line, row.name, row.username, row.role, row.region, row.organisation, row.villages
                )
            )
    return planned


def user_provision(*, rows: list[dict], actor: User | str) -> list[IssuedCode]:
    """Creates one user per row with an unusable password and a one-time activation code.

    All or nothing: every row is checked first; if any row has an error, ProvisioningError lists
    them all (line, column, what to fix) and nothing is saved. `rows` are dicts with the keys of
    COLUMNS and `line` (the line number in the file, for messages).
    """
    issued_by = _require_admin(actor)
    errors: list[RowError] = []
    if not rows:
        raise ProvisioningError([RowError(1, "-", _("berkas tidak berisi baris data."))])
    planned = _plan(rows, errors)
    if errors:
        raise ProvisioningError(errors)
    issued = []
    with transaction.atomic():
        for p in planned:
            user = User(
                username=p.username,
                first_name=p.name,
                role=p.role,
                region_code=p.region_code,
                organisation=p.organisation,
                is_staff=p.role == Role.ADMIN,
            )
            user.set_unusable_password()
            user.save()
            AssignedVillage.objects.bulk_create(
                AssignedVillage(user=user, village_code=v) for v in p.villages
            )
            code = _issue_code(user=user, issued_by=issued_by)
            audit_record(
                actor=actor,
                action="account.provision",
                object_type="accounts.user",
                object_id=user.pk,
                region_code=user.region_code,
                detail={
                    "username": user.username,
                    "role": user.role,
                    "villages": p.villages,
                    "organisation": p.organisation.name if p.organisation else "",
                    "expires_at": code.expires_at.isoformat(),
                },
            )
            issued.append(code)
    return issued
