"""The fixture world of the role × region harness (docs/conventions.md rule 7, docs/security.md #1).

Two provinces × two regencies × two villages, real codes from `regions_region`:

    33 Jawa Tengah                     34 Daerah Istimewa Yogyakarta
      3371 Kota Magelang                 3404 Kabupaten Sleman
        3371011003 Rejowinangun Selatan    3404012001 Balecatur
        3371011007 Magersari               3404012002 Ambarketawang
      3308 Kabupaten Magelang            3402 Kabupaten Bantul
        3308012001 Ngargoretno             3402012001 Poncosari
        3308012002 Paripurno               3402012002 Trimurti

Every village holds one published family (head, spouse, child) and one individual outside any
family, written with tests/registry/factories.py. Every role has a user at every level it exists:
a village operator and a field officer (assigned to that one village) per village, a regency
verifier and supervisor per regency, a province officer per province, one user of each national
role, a QA assessor, a data requester in an organisation, and an administrator. Users of TOTP roles
own a confirmed TOTP device; every user holds an API token (`World.tokens`).

The harness acts as the *home* user of each role: the one whose region contains HOME_VILLAGE
(national roles: the only one). Relations name the target object's village as seen from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.models import ActivationCode, AssignedVillage, Organisation, OrganisationKind, Role, User
from dtks.accounts.scope import REGION_LENGTH, ROLE_SCOPE, TOTP_ROLES, ScopeKind, region_q, sees_registry
from dtks.api.services import api_token_issue
from dtks.regions.models import Region
from dtks.registry.models import Code, IntegrityRule
from tests.registry import factories

PASSWORD = "Harness-Wilayah-2026!"  # passes every validator; the harness logs in with it

PROVINCES = {"33": ("3371", "3308"), "34": ("3404", "3402")}
VILLAGES = {
    "3371": ("3371011003", "3371011007"),
    "3308": ("3308012001", "3308012002"),
    "3404": ("3404012001", "3404012002"),
    "3402": ("3402012001", "3402012002"),
}
ALL_VILLAGES = tuple(v for pair in VILLAGES.values() for v in pair)
HOME_VILLAGE = "3371011003"

# Where a target object lives, as seen from HOME_VILLAGE.
OWN = "own"
SIBLING_VILLAGE = "sibling_village"
OTHER_REGENCY = "other_regency"
OTHER_PROVINCE = "other_province"
RELATIONS = (OWN, SIBLING_VILLAGE, OTHER_REGENCY, OTHER_PROVINCE)
RELATION_VILLAGE = {
    OWN: HOME_VILLAGE,
    SIBLING_VILLAGE: "3371011007",
    OTHER_REGENCY: "3308012001",
    OTHER_PROVINCE: "3404012001",
}
SURNAMES = dict(
    zip(
        ALL_VILLAGES,
        ("Ardana", "Bestari", "Cahyono", "Darmaji", "Endaryo", "Fadhila", "Gunarso", "Hartaka"),
        strict=True,
    )
)
# Distinct ids far from the small ids other tests use.
ID_BASE = 770_000


@dataclass(frozen=True)
class Member:
    person_id: int
    nik: str
    nama: str
    hubungan: str = ""  # empty: outside any family


@dataclass(frozen=True)
class Household:
    """What one village holds: a family (head first) and an individual outside any family."""

    village: str
    family_id: int
    no_kk: str
    members: tuple[Member, ...]
    individual: Member

    @property
    def head(self) -> Member:
        return self.members[0]

    @property
    def persons(self) -> tuple[Member, ...]:
        return (*self.members, self.individual)

    @property
    def person_ids(self) -> set[int]:
        return {p.person_id for p in self.persons}

    @property
    def names(self) -> set[str]:
        return {p.nama for p in self.persons}


@dataclass
class World:
    households: dict[str, Household]
    users: dict[tuple[str, str], User]  # (role, region code or "") -> user
    tokens: dict[int, str]  # user pk -> API key
    organisation: Organisation
    # One object per Django-admin model, for the admin's change/delete/history routes.
    admin_objects: dict[str, object] = field(default_factory=dict)
    sessions: dict[int, str] = field(default_factory=dict)  # user pk -> session key (harness.sign_in)
    # Stage 1's rows in every village (harness conftest: `proposal_rows`): kind -> village -> id.
    proposals: dict[str, dict[str, int]] = field(default_factory=dict)
    # The Dukcapil extract and its reconciliation (harness conftest: `civil_rows`): name -> id.
    civil: dict[str, int] = field(default_factory=dict)
    _sees: dict[tuple[int, str], bool] = field(default_factory=dict)

    def actor(self, role: str) -> User:
        """The home user of `role` (see the module docstring)."""
        kind = ROLE_SCOPE[role]
        if kind == ScopeKind.VILLAGE or kind == ScopeKind.ASSIGNED_VILLAGES:
            return self.users[(role, HOME_VILLAGE)]
        if kind in REGION_LENGTH:
            return self.users[(role, HOME_VILLAGE[: REGION_LENGTH[kind]])]
        return self.users[(role, "")]

    def target(self, relation: str) -> Household:
        return self.households[RELATION_VILLAGE[relation]]

    def sees(self, user: User | None, village: str) -> bool:
        """Whether `user` may see registry rows of `village`, by dtks.accounts.scope (cached)."""
        if user is None:
            return False
        key = (user.pk, village)
        if key not in self._sees:
            self._sees[key] = (
                sees_registry(user)
                and Region.objects.filter(code=village).filter(region_q(user, field="code")).exists()
            )
        return self._sees[key]

    def visible_family_ids(self, user: User | None) -> set[int]:
        return {h.family_id for v, h in self.households.items() if self.sees(user, v)}

    def visible_person_ids(self, user: User | None) -> set[int]:
        return {p for v, h in self.households.items() if self.sees(user, v) for p in h.person_ids}

    def proposal_ids(self, kinds: tuple[str, ...]) -> set[int]:
        return {pk for kind in kinds for pk in self.proposals.get(kind, {}).values()}

    def visible_proposal_ids(self, user: User | None, kinds: tuple[str, ...]) -> set[int]:
        return {pk for kind in kinds for v, pk in self.proposals.get(kind, {}).items() if self.sees(user, v)}

    @property
    def family_ids(self) -> set[int]:
        return {h.family_id for h in self.households.values()}

    @property
    def person_ids(self) -> set[int]:
        return {p for h in self.households.values() for p in h.person_ids}


def _nik(district: str, born: date, sex: str, serial: int) -> str:
    day = born.day + (40 if sex == "P" else 0)
    return f"{district}{day:02d}{born:%m%y}{serial:04d}"


def _people(surname: str) -> tuple[tuple, ...]:
    """(offset, name, sex, born, relationship) of a village's four persons: head, spouse, child, individual."""
    return (
        (1, f"Budi {surname}", "L", date(1980, 5, 15), "KEPALA KELUARGA"),
        (2, f"Sri {surname}", "P", date(1982, 6, 15), "ISTRI"),
        (3, f"Adi {surname}", "L", date(2010, 1, 20), "ANAK"),
        (4, f"Mbah {surname}", "P", date(1948, 3, 2), ""),
    )


def _household(b, index: int, village: str) -> Household:
    district, surname = village[:6], SURNAMES[village]
    base = ID_BASE + index * 10
    people = _people(surname)
    members = []
    for offset, nama, sex, born, hubungan in people:
        member = Member(base + offset, _nik(district, born, sex, index), nama, hubungan)
        factories.person(
            b,
            person_id=member.person_id,
            nik=member.nik,
            nama=nama,
            jenis_kelamin=sex,
            tanggal_lahir=born,
            tempat_lahir="MAGELANG",
            status_perkawinan="KAWIN" if hubungan in ("KEPALA KELUARGA", "ISTRI") else "BELUM KAWIN",
            village_code=village,
            rt="001",
            rw="002",
            alamat=f"Jl. {surname} {index}",
        )
        members.append(member)
    family_id, no_kk = ID_BASE + index, f"{district}010120{index:04d}"
    factories.family(
        b, family_id=family_id, no_kk=no_kk, village_code=village, rt="001", rw="002", alamat=f"Jl. {surname}"
    )
    for m in members[:3]:
        factories.member(b, family_id=family_id, person_id=m.person_id, hubungan_keluarga=m.hubungan)
    return Household(village, family_id, no_kk, tuple(members[:3]), members[3])


def _user(role: str, region: str = "", **kw) -> User:
    username = f"{role}.{region or 'nasional'}"
    user = User.objects.create_user(
        username,
        password=PASSWORD,
        role=role,
        region_code="" if ROLE_SCOPE[role] == ScopeKind.ASSIGNED_VILLAGES else region,
        first_name=username,
        is_staff=role == Role.ADMIN,
        **kw,
    )
    if ROLE_SCOPE[role] == ScopeKind.ASSIGNED_VILLAGES:
        AssignedVillage.objects.create(user=user, village_code=region)
    if role in TOTP_ROLES:
        TOTPDevice.objects.create(user=user, name="harness", confirmed=True)
    return user


def build_world() -> World:
    """Writes the world (call inside a transaction the caller rolls back)."""
    b = factories.batch(period=date(2026, 10, 1))
    households = {v: _household(b, i, v) for i, v in enumerate(ALL_VILLAGES, start=1)}

    organisation = Organisation.objects.create(
        name="Dinas Sosial Kota Magelang (harness)",
        kind=OrganisationKind.LOCAL_GOVERNMENT,
        region_code="3371",
    )
    users: dict[tuple[str, str], User] = {}
    for role, kind in ROLE_SCOPE.items():
        if kind in (ScopeKind.VILLAGE, ScopeKind.ASSIGNED_VILLAGES):
            regions: tuple[str, ...] = ALL_VILLAGES
        elif kind == ScopeKind.REGENCY:
            regions = tuple(VILLAGES)
        elif kind == ScopeKind.PROVINCE:
            regions = tuple(PROVINCES)
        else:
            regions = ("",)
        for region in regions:
            extra = {"organisation": organisation} if role == Role.DATA_REQUESTER else {}
            users[(role, region)] = _user(role, region, **extra)
    tokens = {user.pk: api_token_issue(actor=user)[1] for user in users.values()}

    # One row per Django-admin model, so the admin's object routes have something to open.
    some_user = users[(Role.VILLAGE_OPERATOR, HOME_VILLAGE)]
    now = timezone.now()
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    axes_row = {"user_agent": "harness", "ip_address": "127.0.0.1", "username": some_user.username}
    admin_objects = {
        "accounts_user": some_user,
        "accounts_organisation": organisation,
        "accounts_activationcode": ActivationCode.objects.create(
            user=some_user, code_hash="harness-" + "0" * 56, expires_at=now + timedelta(days=14)
        ),
        "auth_group": Group.objects.create(name="harness"),
        "otp_totp_totpdevice": TOTPDevice.objects.filter(user=users[(Role.ADMIN, "")]).first(),
        "axes_accessattempt": AccessAttempt.objects.create(
            **axes_row,
            http_accept="*/*",
            path_info="/akun/masuk/",
            get_data="",
            post_data="",
            failures_since_start=1,
        ),
        "axes_accessfailurelog": AccessFailureLog.objects.create(
            **axes_row, http_accept="*/*", path_info="/akun/masuk/"
        ),
        "axes_accesslog": AccessLog.objects.create(**axes_row, http_accept="*/*", path_info="/akun/masuk/"),
        # Reference data seeded by the registry migrations.
        "registry_integrityrule": IntegrityRule.objects.get(code="DUPLICATE_NIK"),
        "registry_code": Code.objects.get(list="kriteria", code="KEMISKINAN"),
    }
    return World(households, users, tokens, organisation, admin_objects)


# Kinds of stage 1 rows the world holds in every village, for the harness's list checks.
PROPOSAL_KINDS = (
    "musyawarah",
    "returned",
    "self_registration",
    "ministry",
    "import",
    "forwarded",
    "ministry_verval",
)


def proposal_rows(world: World) -> None:
    """A musyawarah, an item returned to the village, a self-registration, a ministry proposal (the
    regency verifies it) and an import job in every village (test set-up: rows written directly), so
    every list and search of stage 1 has rows in and out of every caller's scope."""
    from proposals.models import ImportJob, Musyawarah, ProposalItem

    # The ministry's assessment queue (determination/assessment.py): in every village an item the
    # province forwarded and a self-registration the ministry verifies itself — written first, so the
    # newest-first item lists' first page (50 rows for the ministry's national scope) still holds
    # every row of the kinds those lists are checked for.
    for village in world.households:
        for kind, state, verifier in (
            ("forwarded", "forwarded", "regency"),
            ("ministry_verval", "submitted", "ministry"),
        ):
            row = ProposalItem.objects.create(
                kind="addition",
                channel="self_registration",
                village_code=village,
                state=state,
                verifier=verifier,
            )
            world.proposals.setdefault(kind, {})[village] = row.pk
    for village in world.households:
        operator = world.users[(Role.VILLAGE_OPERATOR, village)]
        m = Musyawarah.objects.create(
            village_code=village,
            held_on=date(2026, 10, 20),
            place="harness daftar",
            led_by="Lurah",
            attendee_count=9,
            created_by=operator,
        )
        returned = ProposalItem.objects.create(
            kind="addition",
            channel="musyawarah",
            musyawarah=m,
            village_code=village,
            state="returned_to_village",
            last_reason="Harness: KK belum sesuai.",
        )
        own = ProposalItem.objects.create(
            kind="addition", channel="self_registration", village_code=village, state="submitted"
        )
        ministry = ProposalItem.objects.create(
            kind="addition",
            channel="ministry",
            ministry_reason="BENCANA",
            village_code=village,
            state="submitted",
        )
        job = ImportJob.objects.create(
            musyawarah=m,
            village_code=village,
            stored_name=f"harness-{village}.csv",
            file_format="csv",
            sha256="0" * 64,
            status=ImportJob.Status.PREVIEWED,
            created_by=operator,
        )
        for kind, pk in (
            ("musyawarah", m.pk),
            ("returned", returned.pk),
            ("self_registration", own.pk),
            ("ministry", ministry.pk),
            ("import", job.pk),
        ):
            world.proposals.setdefault(kind, {})[village] = pk


HARNESS_LETTER = "pengajuan/harness-surat.pdf"


def submission_rows(world: World) -> None:
    """In every regency a submission sent to its province (holding a `regency_approved` item of its
    first village, with a letter and a recap on disk) and a verified item in every village not yet
    gathered (test set-up: rows written directly). The submission is registered under its first
    village (`proposals["submission"]`), whose scope is its regency's."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from proposals.models import ProposalItem
    from verification.models import RegencySubmission, SubmissionItem

    if not default_storage.exists(HARNESS_LETTER):
        default_storage.save(HARNESS_LETTER, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    now = timezone.now()
    for regency, villages in VILLAGES.items():
        supervisor = world.users[(Role.REGENCY_SUPERVISOR, regency)]
        approved = ProposalItem.objects.create(
            kind="addition", channel="self_registration", village_code=villages[0], state="regency_approved"
        )
        sub = RegencySubmission.objects.create(
            regency_code=regency,
            number=1,
            state=RegencySubmission.State.SENT,
            item_count=1,
            letter=HARNESS_LETTER,
            letter_sha256="0" * 64,
            letter_number="harness/1",
            letter_date=date(2026, 11, 1),
            recap=HARNESS_LETTER,
            recap_sha256="0" * 64,
            created_by=supervisor,
            signed_by=supervisor,
            signed_at=now,
            sent_by=supervisor,
            sent_at=now,
        )
        SubmissionItem.objects.create(submission=sub, item=approved)
        world.proposals.setdefault("submission", {})[villages[0]] = sub.pk
        for village in villages:
            ProposalItem.objects.create(
                kind="addition", channel="self_registration", village_code=village, state="verified"
            )


HARNESS_PHOTO = "kunjungan/harness-foto.jpg"


def visit_rows(world: World) -> None:
    """In every village a prelist holding its self-registration (world.proposal_rows), assigned to the
    village's field officer, with one visit and one photo on disk (test set-up: rows written
    directly). Registered as `prelist`, `entry` and `photo` under the village."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from verification.models import FieldVisit, Prelist, PrelistEntry, VisitPhoto

    if not default_storage.exists(HARNESS_PHOTO):
        default_storage.save(HARNESS_PHOTO, ContentFile(b"\xff\xd8\xff\xe0harness\xff\xd9"))
    for village in world.households:
        officer = world.users[(Role.FIELD_OFFICER, village)]
        prelist = Prelist.objects.create(
            village_code=village,
            title=f"Prelist harness {village}",
            created_by=world.users[(Role.REGENCY_VERIFIER, village[:4])],
        )
        prelist.officers.add(officer)
        entry = PrelistEntry.objects.create(
            prelist=prelist,
            item_id=world.proposals["self_registration"][village],
            reason=PrelistEntry.Reason.VERVAL,
            nama="Warga Harness",
        )
        visit = FieldVisit.objects.create(
            entry=entry,
            item_id=entry.item_id,
            village_code=village,
            officer=officer,
            client_key=uuid.uuid4(),
            visited_on=date(2026, 11, 20),
        )
        photo = VisitPhoto.objects.create(
            visit=visit, kind="depan", image=HARNESS_PHOTO, width=1, height=1, sha256="0" * 64
        )
        for kind, pk in (("prelist", prelist.pk), ("entry", entry.pk), ("photo", photo.pk)):
            world.proposals.setdefault(kind, {})[village] = pk


def _extract_row(h: Household, member: Member, person: tuple, **planted) -> dict:
    """The extract's row of `member` (its registry values, `person` from `_people`), with `planted`."""
    _offset, nama, sex, born, _relationship = person
    row = {
        "nik": member.nik,
        "nama": nama,
        "tempat_lahir": "MAGELANG",
        "tanggal_lahir": born.isoformat(),
        "jenis_kelamin": sex,
        "no_kk": h.no_kk if member.hubungan else "",
        "kode_wilayah": h.village,
        "alamat": f"JL. {SURNAMES[h.village].upper()}",
    }
    return {**row, **planted}


def civil_extract_rows(world: World) -> list[dict]:
    """A Dukcapil extract of the world's persons in which every person differs in something, so the
    reconciliation lists all of them (and every reason occurs): the head's name and KK, the spouse's
    birth date, the child is missing (not found), and the individual by village in turn: sex, the
    village of the address, or the NIK belongs to somebody else."""
    rows = []
    for index, (village, h) in enumerate(world.households.items()):
        surname = SURNAMES[village]
        head, spouse, _child, individual = _people(surname)
        rows.append(
            _extract_row(
                h, h.members[0], head, nama=f"Bambang {surname}", no_kk=f"{h.no_kk[:12]}{9000 + index:04d}"
            )
        )
        rows.append(_extract_row(h, h.members[1], spouse, tanggal_lahir="1982-06-16"))
        # The child (h.members[2]) is not in the extract: not_found.
        sibling = next(v for v in ALL_VILLAGES if v[:4] == village[:4] and v != village)
        planted = (
            {"jenis_kelamin": "L"},
            {"kode_wilayah": sibling, "alamat": "JL. LAIN 9"},
            {"nama": "Joko Susilo", "jenis_kelamin": "L"},
        )[index % 3]
        rows.append(_extract_row(h, h.individual, individual, **planted))
    return rows


def civil_rows(world: World) -> None:
    """Loads `civil_extract_rows` as the current extract and computes the reconciliation (test set-up:
    through the loader and the service, as the task would). The source stays "none": the proposal
    routes run without the civil-registry rules, and the reconciliation reads the extract anyway."""
    import csv
    import tempfile
    from pathlib import Path

    from dtks.civil.loading import EXTRACT_COLUMNS, civil_extract_load
    from dtks.civil.models import Settings
    from dtks.civil.reconciliation import reconciliation_compute

    folder = Path(tempfile.mkdtemp(prefix="dtks-harness-civil-"))
    path = folder / "ekstrak.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXTRACT_COLUMNS)
        for r in civil_extract_rows(world):
            writer.writerow([r.get(c, "") for c in EXTRACT_COLUMNS])
        writer.writerow(["123", "BARIS SALAH", "", "1980-01-01", "L", "", ALL_VILLAGES[0], ""])  # refused
    result = civil_extract_load(
        path=path, source="Dukcapil (harness)", extract_date=date(2026, 11, 30), actor="sistem:harness"
    )
    path.unlink()
    folder.rmdir()
    reconciliation = reconciliation_compute(extract_id=result.extract.pk)
    world.civil.update(extract=result.extract.pk, reconciliation=reconciliation.pk)
    world.admin_objects.update(civil_settings=Settings.load(), civil_extract=result.extract)
