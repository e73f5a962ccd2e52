"""Demo accounts (`manage.py seed_demo`): one user of every role at every level over the demo regions,
and one organisation per kind of external requester.

The demo registry covers every kelurahan of Kota Magelang (3371, Jawa Tengah 33) and a few desa of
Kabupaten Sleman (3404, DI Yogyakarta 34) (dtks.registry.demo), so the regional users sit there:

- a village operator for Rejowinangun Selatan (Kota Magelang) and one for the first Sleman demo desa;
- a field officer assigned to two kelurahan of Magelang Utara;
- a regency verifier and a regency supervisor for Kota Magelang and for Sleman;
- a province officer for Jawa Tengah and one for DI Yogyakarta;
- one user of each national role, a programme officer, a QA assessor, an administrator;
- a data requester for each organisation kind (and one individual member of the public).

All carry `is_demo=True` and the password DEMO_PASSWORD. Under local settings (`DTKS_DEMO_SKIP_OTP`,
on by default only in dtks.settings.local) they skip TOTP at login; everywhere else they follow the
normal rules (docs/authentication.md). Seeding is idempotent: a rerun changes nothing unless a demo
user was altered, and never touches an account that is not a demo account.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.text import slugify

from dtks.audit.services import audit_record
from dtks.regions.models import Region

from .models import AssignedVillage, Organisation, OrganisationKind, Role, User

# Passes every password validator (length, common list, digits only, similarity, NIK/KK/date).
DEMO_PASSWORD = "Demo-DTKS-2026!"  # noqa: S105 - the documented password of the local demo accounts
ACTOR = "sistem:seed_demo"
LOGINS_FILE = "demo-logins.txt"

CITY = "3371"  # Kota Magelang
REGENCY = "3404"  # Kabupaten Sleman
OPERATOR_VILLAGE = "3371011003"  # Rejowinangun Selatan, Magelang Selatan
FIELD_VILLAGES = ("3371021003", "3371021004")  # Wates, Potrobangsan (Magelang Utara)
FIELD_DISTRICT = "337102"

ORGANISATIONS = {
    OrganisationKind.MINISTRY: ("Kementerian Kesehatan (demo)", ""),
    OrganisationKind.AGENCY: ("Badan Pusat Statistik (demo)", ""),
    OrganisationKind.LOCAL_GOVERNMENT: ("Pemerintah Kota Magelang (demo)", CITY),
    OrganisationKind.PUBLIC_BODY: ("BPJS Kesehatan (demo)", ""),
}
REQUESTER_NAMES = {
    OrganisationKind.MINISTRY: "pemohon.kementerian",
    OrganisationKind.AGENCY: "pemohon.lembaga",
    OrganisationKind.LOCAL_GOVERNMENT: "pemohon.pemda",
    OrganisationKind.PUBLIC_BODY: "pemohon.badan-publik",
}


class DemoUsersUnavailable(Exception):
    """The demo regions are not loaded; the message is for the user."""


@dataclass(frozen=True)
class DemoAccount:
    """One demo account as planned (and as listed in the logins file)."""

    username: str
    role: str
    area: str  # where it works: a region's name, an organisation, or "nasional"
    region_code: str = ""
    villages: tuple[str, ...] = ()
    organisation: str = ""  # Organisation name (data requesters)

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass
class DemoUsers:
    accounts: list[DemoAccount]
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # Usernames held by accounts that are not demo accounts: left alone, not seeded.
    skipped: list[str] = field(default_factory=list)


def _names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def demo_accounts(*, sleman_village: str | None = None) -> list[DemoAccount]:
    """The accounts to seed. `sleman_village` defaults to the first Sleman desa of the demo registry."""
    if sleman_village is None:
        from dtks.registry.demo import DemoUnavailable, demo_villages

        try:
            sleman_village = next(v.code for v in demo_villages() if v.code.startswith(REGENCY))
        except (DemoUnavailable, StopIteration) as exc:
            raise DemoUsersUnavailable(
                "Wilayah Kemendagri belum dimuat: jalankan `manage.py load_regions` dulu."
            ) from exc
    codes = {"33", "34", CITY, REGENCY, OPERATOR_VILLAGE, sleman_village, FIELD_DISTRICT, *FIELD_VILLAGES}
    names = _names(codes)
    if set(names) != codes:
        missing = ", ".join(sorted(codes - set(names)))
        raise DemoUsersUnavailable(f"Kode wilayah demo tidak ada di tabel wilayah: {missing}.")

    def village(code: str) -> str:
        return f"{names[code]}, {names[code[:4]]}"

    accounts = [
        DemoAccount(
            f"operator.{slugify(names[OPERATOR_VILLAGE])}",
            Role.VILLAGE_OPERATOR,
            village(OPERATOR_VILLAGE),
            OPERATOR_VILLAGE,
        ),
        DemoAccount(
            f"operator.{slugify(names[sleman_village])}",
            Role.VILLAGE_OPERATOR,
            village(sleman_village),
            sleman_village,
        ),
        DemoAccount(
            f"pendamping.{slugify(names[FIELD_DISTRICT])}",
            Role.FIELD_OFFICER,
            " dan ".join(names[c] for c in FIELD_VILLAGES) + f", {names[CITY]}",
            villages=FIELD_VILLAGES,
        ),
        # The pendamping of the operator's village, who visits the families its musyawarah proposed
        # (the verification demo's prelist and visit).
        DemoAccount(
            f"pendamping.{slugify(names[OPERATOR_VILLAGE])}",
            Role.FIELD_OFFICER,
            village(OPERATOR_VILLAGE),
            villages=(OPERATOR_VILLAGE,),
        ),
    ]
    for regency, short in ((CITY, "magelang"), (REGENCY, "sleman")):
        accounts += [
            DemoAccount(f"verifikator.{short}", Role.REGENCY_VERIFIER, names[regency], regency),
            DemoAccount(f"kadinsos.{short}", Role.REGENCY_SUPERVISOR, names[regency], regency),
        ]
    accounts += [
        DemoAccount("dinsos.jateng", Role.PROVINCE_OFFICER, names["33"], "33"),
        DemoAccount("dinsos.diy", Role.PROVINCE_OFFICER, names["34"], "34"),
        DemoAccount("pusdatin", Role.MINISTRY_DATA_OFFICER, "nasional"),
        DemoAccount("pejabat.penetapan", Role.MINISTER_DELEGATE, "nasional"),
        DemoAccount("pejabat.data", Role.DATA_OFFICIAL, "nasional"),
        DemoAccount("ppid", Role.PPID_OFFICER, "nasional"),
        DemoAccount("program.eselon1", Role.PROGRAMME_OFFICER, "program unitnya"),
        DemoAccount("penilai.qa", Role.QA_ASSESSOR, "kasus yang ditugaskan"),
    ]
    for kind, username in REQUESTER_NAMES.items():
        name = ORGANISATIONS[kind][0]
        accounts.append(DemoAccount(username, Role.DATA_REQUESTER, name, organisation=name))
    accounts += [
        DemoAccount("pemohon.perorangan", Role.DATA_REQUESTER, "perorangan (tanpa organisasi)"),
        DemoAccount("admin.demo", Role.ADMIN, "nasional"),
    ]
    return accounts


def _organisations() -> dict[str, Organisation]:
    out = {}
    for kind, (name, region) in ORGANISATIONS.items():
        org, _created = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "region_code": region}
        )
        out[name] = org
    return out


@transaction.atomic
def demo_users_seed(*, password: str = DEMO_PASSWORD, sleman_village: str | None = None) -> DemoUsers:
    """Creates (or restores) the demo accounts of `demo_accounts()`; idempotent, audited per change."""
    accounts = demo_accounts(sleman_village=sleman_village)
    organisations = _organisations()
    result = DemoUsers(accounts=accounts)
    existing = {u.username: u for u in User.objects.filter(username__in=[a.username for a in accounts])}
    for account in accounts:
        wanted = {
            "role": account.role,
            "region_code": account.region_code,
            "organisation": organisations.get(account.organisation),
            "is_staff": account.role == Role.ADMIN,
            "is_superuser": False,
            "is_active": True,
            "first_name": f"{account.role_label} (demo)"[:150],
        }
        user = existing.get(account.username)
        if user is not None and not user.is_demo:
            result.skipped.append(account.username)
            continue
        changed = []
        if user is None:
            user = User(username=account.username, is_demo=True, **wanted)
            validate_password(password, user)
            user.set_password(password)
            user.save()
            changed = ["created"]
        else:
            changed = [k for k, v in wanted.items() if getattr(user, k) != v]
            for key in changed:
                setattr(user, key, wanted[key])
            if not user.check_password(password):
                user.set_password(password)
                changed.append("password")
            if changed:
                user.save()
        villages = set(AssignedVillage.objects.filter(user=user).values_list("village_code", flat=True))
        if villages != set(account.villages):
            AssignedVillage.objects.filter(user=user).exclude(village_code__in=account.villages).delete()
            AssignedVillage.objects.bulk_create(
                AssignedVillage(user=user, village_code=code)
                for code in sorted(set(account.villages) - villages)
            )
            if "created" not in changed:
                changed.append("villages")
        if not changed:
            continue
        (result.created if "created" in changed else result.updated).append(account.username)
        audit_record(
            actor=ACTOR,
            action="account.demo_seed",
            object_type="accounts.user",
            object_id=user.pk,
            region_code=user.region_code,
            detail={"username": user.username, "role": user.role, "changed": changed},
        )
    return result


def demo_logins_text(result: DemoUsers, *, password: str = DEMO_PASSWORD) -> str:
    """The logins list written next to the demo data and printed by run.py."""
    header = ("nama pengguna", "peran", "wilayah", "kata sandi")
    rows = [
        (a.username, a.role, a.area, password) for a in result.accounts if a.username not in result.skipped
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [
        "Akun demo DTKS (manage.py seed_demo). Masuk di /akun/masuk/.",
        f"Kata sandi semua akun demo: {password}",
        "TOTP dilewati untuk akun demo hanya di pengaturan lokal (dtks.settings.local, DTKS_DEMO_SKIP_OTP",
        "menyala bawaannya); jalankan dengan DTKS_DEMO_SKIP_OTP=0 untuk mencoba langkah TOTP yang sebenarnya.",
        "Di pengaturan lain akun demo wajib TOTP seperti akun biasa. Lihat docs/authentication.md.",
        "",
        line(header),
        *(line(row) for row in rows),
    ]
    if result.skipped:
        out += ["", "Tidak dibuat (nama pengguna dipakai akun bukan demo): " + ", ".join(result.skipped)]
    return "\n".join(out) + "\n"


def demo_logins_write(result: DemoUsers, path: Path, *, password: str = DEMO_PASSWORD) -> Path:
    """Writes the logins list, readable by its owner only (it holds the demo password)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(demo_logins_text(result, password=password))
    path.chmod(0o600)
    return path
