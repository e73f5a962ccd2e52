"""Every route of DTKS — each page and each API operation — and how the harness calls it.

ONE table (`ROUTES`), checked against the URL resolver and the OpenAPI schema by
tests/harness/test_harness.py: a route missing here fails the suite. Who may call a route is not
written here: the harness reads it from dtks.permissions.ROUTES, and the scope from
dtks.accounts.scope. An entry only says how to build the request and what a permitted caller gets.

Fields of `Route` (see tests/harness/README.md for adding routes):

- `name`: the view name as the permission table and the resolver walk spell it (`registry:family`;
  an unnamed pattern as `admin:<unnamed <path:object_id>/>`).
- `url`, `data`: a string/dict, or a function of the call's `Ctx` (world, user, target household).
- `target`: the URL or body names an object (a family, a person, a NIK) of the target household, so
  the call runs once per relation (own / sibling village / other regency / other province); a
  permitted caller gets `ok` when the object is in scope and 404 when not — unless `rows` is set.
- `rows` ("family"/"person"): the answer lists registry rows. The harness reads their ids and
  asserts 0 rows outside the caller's scope; with `target`, `target_ids` are listed exactly when the
  target is in scope (a search or filter for a foreign object answers 200 with nothing foreign);
  without `target`, exactly the world's rows in scope are listed.
- `rows` ("item"/"musyawarah"/"import") with `row_kinds`: the answer lists stage 1's rows; the world
  holds one of each kind in every village (world.proposal_rows), and exactly those of the kinds this
  list shows, in the caller's scope, must be listed — none outside it.
- `ok`: the status a permitted caller gets (default 200); a function of `Ctx` where it depends on
  the caller (signed in or not, TOTP-verified session or token).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files import File

from .world import PASSWORD, Household, World

SESSION = "session"
TOKEN = "token"


@dataclass(frozen=True)
class Ctx:
    world: World
    user: Any  # the acting User, None when anonymous
    target: Household | None
    channel: str = SESSION
    verified: bool = False  # the session passed TOTP

    @property
    def signed_in(self) -> bool:
        return self.user is not None


Build = Callable[[Ctx], Any]


@dataclass(frozen=True)
class Route:
    name: str
    url: str | Build
    method: str = "GET"
    data: dict | Build | None = None
    label: str = ""
    target: bool = False
    rows: str | None = None
    row_kinds: tuple[str, ...] = ()  # for stage 1's rows: the world's kinds the list shows
    target_ids: Callable[[Household], set[int]] | None = None
    ok: int | Callable[[Ctx], int] = 200
    nested: str = ""  # an API answer whose `results` hold the listed rows under this key (a summary)

    @property
    def id(self) -> str:
        return f"{self.name}[{self.method}{' ' + self.label if self.label else ''}]"

    def path(self, ctx: Ctx) -> str:
        return self.url(ctx) if callable(self.url) else self.url

    def body(self, ctx: Ctx) -> dict | None:
        return self.data(ctx) if callable(self.data) else self.data

    def ok_status(self, ctx: Ctx) -> int:
        return self.ok(ctx) if callable(self.ok) else self.ok

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")

    def encoded(self, ctx: Ctx) -> dict:
        """Keyword arguments for Django's test client."""
        body = self.body(ctx)
        if body is None:
            return {}
        if self.is_api and self.method != "GET" and not any(isinstance(v, File) for v in body.values()):
            return {"data": json.dumps(body), "content_type": "application/json"}
        return {"data": body}  # a form, multipart when it has a file


# --- small builders -------------------------------------------------------------------------------


def signed_in_redirects(ctx: Ctx) -> int:
    """Login page: anonymous callers get the form; a signed-in caller is sent on (302)."""
    return 302 if ctx.signed_in else 200


def login_body(ctx: Ctx) -> dict:
    # Signed in: the caller's own credentials (a second login, then TOTP or the dashboard);
    # anonymous: a wrong pair, which re-shows the form with its message.
    if ctx.signed_in:
        return {"username": ctx.user.username, "password": PASSWORD}
    return {"username": "tidak.terdaftar", "password": "Bukan-Sandi-Ini-1"}


def activation_body(ctx: Ctx) -> dict:
    username = ctx.user.username if ctx.signed_in else "tidak.terdaftar"
    return {
        "username": username,
        "code": "ABCD-EFGH-JKMN",  # wrong: the form is shown again with its message
        "password1": "Sandi-Baru-Aman-2026",
        "password2": "Sandi-Baru-Aman-2026",
    }


def admin_site_member(ctx: Ctx) -> int:
    """Django's admin logs out only its own members (200); anyone else is sent to its index (302),
    which then refuses them."""
    return 200 if ctx.user.is_staff else 302


def voluntary_enrolment(ctx: Ctx) -> int:
    """The TOTP enrolment page: shown to the voluntary roles (no device in the world), a redirect
    for sessions that have passed TOTP already (docs/authentication.md)."""
    from dtks.accounts.auth import otp_voluntary_for

    return 200 if otp_voluntary_for(ctx.user) and not ctx.verified else 302


def token_issue_status(ctx: Ctx) -> int:
    """Tokens only from a TOTP-verified session, never from a token (docs/api.md)."""
    return 201 if ctx.channel == SESSION and ctx.verified else 403


def content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def family_ids(h: Household) -> set[int]:
    return {h.family_id}


def head_ids(h: Household) -> set[int]:
    return {h.head.person_id}


def member_ids(h: Household) -> set[int]:
    return {m.person_id for m in h.members}


def village_person_ids(h: Household) -> set[int]:
    return h.person_ids


def admin_model(
    label: str, app: str, model: str, *, view: int = 200, add: int = 200, change: int = 200, delete: int = 200
) -> tuple[Route, ...]:
    """The six routes Django's admin has for one registered model, opened by an administrator with
    the given answers; the object is World.admin_objects[label]."""

    def obj_url(suffix: str) -> Build:
        return lambda c: f"/admin/{app}/{model}/{c.world.admin_objects[label].pk}/{suffix}"

    return (
        Route(f"admin:{label}_changelist", f"/admin/{app}/{model}/", ok=view),
        Route(f"admin:{label}_add", f"/admin/{app}/{model}/add/", ok=add),
        Route(f"admin:{label}_change", obj_url("change/"), ok=change),
        Route(f"admin:{label}_delete", obj_url("delete/"), ok=delete),
        Route(f"admin:{label}_history", obj_url("history/"), ok=view),
        # The old-style object URL only redirects to the change page (Django keeps it for links).
        Route("admin:<unnamed <path:object_id>/>", obj_url(""), label=label, ok=302),
    )


def admin_import_export(
    label: str, app: str, model: str, *, resource: str, rows: bytes, field: str = "code"
) -> tuple[Route, ...]:
    """The import (a preview, then the confirm step) and export routes django-import-export adds to a
    configuration table's admin (dtks/core/configuration.py); `rows` is a CSV the preview accepts."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    base = f"/admin/{app}/{model}"

    def upload(ctx: Ctx) -> dict:
        return {"format": "0", "resource": "0", "import_file": SimpleUploadedFile(f"{model}.csv", rows)}

    return (
        Route(f"admin:{label}_import", f"{base}/import/"),
        Route(f"admin:{label}_import", f"{base}/import/", "POST", upload),  # the preview page
        # Without a previewed file the confirm step shows its form again with the error.
        Route(f"admin:{label}_process_import", f"{base}/process_import/", "POST", {}),
        Route(f"admin:{label}_export", f"{base}/export/"),
        Route(
            f"admin:{label}_export",
            f"{base}/export/",
            "POST",
            {"format": "0", "resource": "0", f"{resource}_{field}": "on"},
        ),
    )


# --- the spreadsheet import (proposals/imports/views.py) ---------------------------------------------


def import_musyawarah(ctx: Ctx):
    """An open musyawarah of the target village (made on first use inside the case's savepoint)."""
    from datetime import date

    from dtks.accounts.models import Role
    from proposals.models import Musyawarah

    village = ctx.target.village
    found = Musyawarah.objects.filter(village_code=village, place="harness impor").first()
    return found or Musyawarah.objects.create(
        village_code=village,
        held_on=date(2026, 11, 2),
        place="harness impor",
        led_by="Lurah",
        attendee_count=10,
        created_by=ctx.world.users[(Role.VILLAGE_OPERATOR, village)],
    )


def import_job(ctx: Ctx):
    """A previewed import of the target village's musyawarah with one new item."""
    import uuid

    from proposals.models import ImportJob

    m = import_musyawarah(ctx)
    return ImportJob.objects.create(
        musyawarah=m,
        village_code=m.village_code,
        stored_name=f"{uuid.uuid4().hex}.csv",
        file_format="csv",
        sha256="0" * 64,
        status=ImportJob.Status.PREVIEWED,
        items_total=1,
        items_new=1,
        created_by=m.created_by,
    )


def import_row_url(ctx: Ctx, prefix: str, suffix: str) -> str:
    """Row 2 of `import_with_bad_row`: the fix routes check it again with the preview's SQL."""
    return f"{prefix}{import_with_bad_row(ctx).pk}/baris/2/{suffix}"


def import_with_bad_row(ctx: Ctx):
    """A previewed import of the target village with row 2 bad (an unknown sex code)."""
    from proposals.models import ImportRow

    job = import_job(ctx)
    person = ctx.target.individual
    ImportRow.objects.create(
        job=job,
        row_no=2,
        group_key=f"nik:{person.nik}",
        ok=False,
        errors=[{"field": "jenis_kelamin", "code": "unknown", "message": 'Jenis kelamin "X" tidak ada.'}],
        nik=person.nik,
        nama=person.nama,
        village_code=job.village_code,
        alamat="Jl. Harness 2",
    )
    return job


def import_row_fix_body(ctx: Ctx) -> dict:
    # The form posts every column; the village operator's fix, whatever it gives, answers 302.
    return {"nik": ctx.target.individual.nik, "nama": "Mbah Harness", "jenis_kelamin": "P", "halaman": "1"}


def refused_upload(ctx: Ctx) -> dict:
    # An empty file: refused (400) after the scope check, so nothing is stored by the harness.
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("usulan.csv", b"", content_type="text/csv")}


def refused_api_upload(ctx: Ctx) -> dict:
    # A binary, not a spreadsheet: refused (400) by its content; nothing is stored.
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("usulan.csv", b"\x00\x01binary", content_type="text/csv")}


# --- the regency submission (verification/submission_views.py, submission_apis.py) ------------------


def sent_submission(ctx: Ctx) -> int:
    """The target regency's submission sent to its province (world.submission_rows)."""
    regency = ctx.target.village[:4]
    return next(pk for village, pk in ctx.world.proposals["submission"].items() if village[:4] == regency)


def submission_in(ctx: Ctx, state: str) -> int:
    """A submission of the target's regency in `state` holding one item of the target village, made
    inside the case's savepoint (test set-up: rows written directly)."""
    from django.db.models import Max

    from dtks.accounts.models import Role
    from proposals.models import ProposalItem
    from verification.models import RegencySubmission, SubmissionItem

    regency = ctx.target.village[:4]
    found = RegencySubmission.objects.filter(regency_code=regency, state=state, note="harness").first()
    if found:
        return found.pk
    item_state = "verified" if state == RegencySubmission.State.OPEN else "regency_approved"
    it = ProposalItem.objects.create(
        kind="addition", channel="self_registration", village_code=ctx.target.village, state=item_state
    )
    number = (RegencySubmission.objects.filter(regency_code=regency).aggregate(n=Max("number"))["n"] or 0) + 1
    sub = RegencySubmission.objects.create(
        regency_code=regency,
        number=number,
        state=state,
        item_count=1,
        note="harness",
        created_by=ctx.world.users[(Role.REGENCY_VERIFIER, regency)],
    )
    SubmissionItem.objects.create(submission=sub, item=it)
    return sub.pk


# A sign-off without its letter: refused (400) after the scope and role checks, so nothing is stored.
SIGN_WITHOUT_LETTER = {"letter_number": "harness/2", "letter_date": "2026-11-30"}


def dispute_body(ctx: Ctx) -> dict:
    """The province disputes the items of the target regency's sent submission (rolled back with the
    case); out of scope, the submission answers 404 before the body is read."""
    from verification.models import SubmissionItem

    items = list(
        SubmissionItem.objects.filter(submission_id=sent_submission(ctx)).values_list("item_id", flat=True)
    )
    return {"items": items, "reason": "Harness: data keluarga tidak sesuai kunjungan provinsi."}


# --- field visits (verification/visit_views.py, visit_apis.py) -----------------------------------------


def village_row(kind: str) -> Callable[[Ctx], int]:
    """The target village's row of `kind` (world.visit_rows)."""
    return lambda ctx: ctx.world.proposals[kind][ctx.target.village]


def prelist_body(ctx: Ctx) -> dict:
    """A prelist of the home village with its field officer: its ministry proposal is still to visit."""
    from dtks.accounts.models import Role

    from .world import HOME_VILLAGE

    officer = ctx.world.users[(Role.FIELD_OFFICER, HOME_VILLAGE)]
    return {
        "village_code": HOME_VILLAGE,
        "title": "Prelist harness baru",
        "officers": [officer.pk],
        "include_queue": "on",
    }


def prelist_api_body(ctx: Ctx) -> dict:
    body = prelist_body(ctx)
    return {**body, "officer_ids": body.pop("officers"), "include_queue": True}


def visit_body(ctx: Ctx) -> dict:
    """A visit of the target village's entry without photos (a new key per call)."""
    import uuid
    from datetime import date

    return {
        "entry": village_row("entry")(ctx),
        "client_key": str(uuid.uuid4()),
        "visited_on": date.today().isoformat(),
        "note": "Kunjungan harness.",
    }


# --- the Dukcapil pages and API (dtks/civil) ---------------------------------------------------------


def civil_extract_url(ctx: Ctx, suffix: str = "") -> str:
    """The world's extract (world.civil_rows): national data of the ministry's data unit."""
    return f"/dukcapil/ekstrak/{ctx.world.civil['extract']}/{suffix}"


def refused_extract(ctx: Ctx) -> dict:
    # No source and an empty file: refused (400) field by field; nothing is stored.
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "file": SimpleUploadedFile("ekstrak.csv", b"", content_type="text/csv"),
        "sumber": "",
        "tanggal_ekstrak": "2026-11-30",
        "kunci": uuid.uuid4().hex,
    }


# --- self-registration and ministry proposals (proposals/channels/self_registration_views.py, ministry_views.py) --------


def self_registration_body(ctx: Ctx) -> dict:
    """A valid public submission (302 to its receipt); the case's savepoint rolls the item and the
    rate-limit counter back, so every principal gets the same answer."""
    import uuid

    return {
        "permohonan": "baru",
        "nik": "3371011505800001",
        "no_kk": "",
        "nama": "Warga Harness",
        "tempat_lahir": "Magelang",
        "tanggal_lahir": "1980-05-15",
        "jenis_kelamin": "L",
        "status_perkawinan": "KAWIN",
        "hubungan_keluarga": "KEPALA KELUARGA",
        "wilayah": ctx.world.households[next(iter(ctx.world.households))].village,
        "rt": "1",
        "rw": "2",
        "alamat": "Jl. Harness 1",
        "telepon": "081234567890",
        "persetujuan": "on",
        "kunci": uuid.uuid4().hex,
        "anggota-TOTAL_FORMS": "0",
        "anggota-INITIAL_FORMS": "0",
    }


def receipt_url(ctx: Ctx) -> str:
    from proposals.channels.self_registration import receipt_token

    return f"/daftar/tanda-terima/{receipt_token('ABCD-EFGH')}/"


def ministry_body(ctx: Ctx) -> dict:
    import uuid

    return {
        "ministry_reason": "BENCANA",
        "verifier": "ministry",
        "wilayah": ctx.world.households[next(iter(ctx.world.households))].village,
        "note": "Banjir.",
        "kunci": uuid.uuid4().hex,
        "orang-TOTAL_FORMS": "1",
        "orang-INITIAL_FORMS": "0",
        "orang-0-nama": "Tanpa NIK",
        "orang-0-jenis_kelamin": "P",
    }


def self_registration_api_body(ctx: Ctx) -> dict:
    """The same submission as JSON (201 with a receipt code; rolled back with the case)."""
    return {
        "permohonan": "baru",
        "nik": "3371011505800001",
        "nama": "Warga Harness",
        "tempat_lahir": "Magelang",
        "tanggal_lahir": "1980-05-15",
        "jenis_kelamin": "L",
        "status_perkawinan": "KAWIN",
        "hubungan_keluarga": "KEPALA KELUARGA",
        "wilayah": ctx.world.households[next(iter(ctx.world.households))].village,
        "rt": "1",
        "rw": "2",
        "alamat": "Jl. Harness 1",
        "telepon": "081234567890",
        "persetujuan": True,
        "anggota": [],
    }


def ministry_api_body(ctx: Ctx) -> dict:
    return {
        "ministry_reason": "BENCANA",
        "verifier": "ministry",
        "wilayah": ctx.world.households[next(iter(ctx.world.households))].village,
        "note": "Banjir.",
        "persons": [{"nama": "Tanpa NIK", "jenis_kelamin": "P"}],
    }


def ministry_item(ctx: Ctx):
    """A ministry proposal in the target village (test set-up: created directly in `submitted`)."""
    from proposals.models import ProposalItem

    return ProposalItem.objects.create(
        kind=ProposalItem.Kind.ADDITION,
        channel=ProposalItem.Channel.MINISTRY,
        state=ProposalItem.State.SUBMITTED,
        verifier=ProposalItem.Verifier.MINISTRY,
        ministry_reason="BENCANA",
        village_code=ctx.target.village,
    )


# --- the village operator's musyawarah and items (proposals/item/views.py, proposals/item/apis.py) ---------


HARNESS_MINUTES = "musyawarah/harness-notulen.pdf"


def village_musyawarah(world: World, village: str):
    """A held musyawarah of `village` with its minutes and one draft item (an individual), made on
    first use inside the case's savepoint (test set-up: rows written directly)."""
    from datetime import date

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from dtks.accounts.models import Role
    from proposals.models import Musyawarah, ProposalItem, ProposalPerson

    found = Musyawarah.objects.filter(village_code=village, place="harness musyawarah").first()
    if found:
        return found
    if not default_storage.exists(HARNESS_MINUTES):
        default_storage.save(HARNESS_MINUTES, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    m = Musyawarah.objects.create(
        village_code=village,
        held_on=date(2026, 11, 2),
        place="harness musyawarah",
        led_by="Lurah",
        attendee_count=10,
        input_sources=["RT_RW"],
        minutes=HARNESS_MINUTES,
        state=Musyawarah.State.HELD,
        created_by=world.users[(Role.VILLAGE_OPERATOR, village)],
    )
    item = ProposalItem.objects.create(
        kind=ProposalItem.Kind.ADDITION,
        channel=ProposalItem.Channel.MUSYAWARAH,
        musyawarah=m,
        village_code=village,
        alamat="Jl. Harness",
    )
    ProposalPerson.objects.create(item=item, nama="Warga Usulan Harness")
    return m


def verval_item(ctx: Ctx) -> int:
    """A submitted item of the target village that the regency verifies (a self-registration)."""
    return ctx.world.proposals["self_registration"][ctx.target.village]


def verval_bulk(ctx: Ctx):
    """A finished bulk decision taken in the target village's region (test set-up: written directly)."""
    from dtks.accounts.models import Role
    from verification.models import BulkDecision

    return BulkDecision.objects.create(
        decision="reject",
        reason="Data ganda",
        reason_code="data_ganda",
        item_ids=[verval_item(ctx)],
        status=BulkDecision.Status.DONE,
        total=1,
        done=1,
        skipped={str(verval_item(ctx)): "sudah diputuskan"},
        region_code=ctx.target.village,
        created_by=ctx.world.users[(Role.REGENCY_VERIFIER, ctx.target.village[:4])],
    )


VERVAL_REJECT = {"decision": "reject", "reason_code": "data_ganda", "reason": "Terdaftar di desa lain."}


def verval_bulk_ids(ctx: Ctx) -> list[int]:
    # Every village's self-registration: those outside the caller's scope are skipped ("tidak
    # ditemukan"), so every permitted caller gets the same answer.
    return sorted(ctx.world.proposals["self_registration"].values())


def verval_bulk_body(ctx: Ctx) -> dict:
    return {**VERVAL_REJECT, "item": verval_bulk_ids(ctx)}


def verval_bulk_api_body(ctx: Ctx) -> dict:
    return {**VERVAL_REJECT, "item_ids": verval_bulk_ids(ctx)}


ASSESSED = ("forwarded", "ministry_verval")
ASSESSMENT_RETURN = {"decision": "return", "rule_codes": "INCOMPLETE", "note": "Lengkapi data rumah."}


def forwarded_item(ctx: Ctx) -> int:
    """The target village's item the province forwarded (world.proposal_rows): in the assessment queue."""
    return ctx.world.proposals["forwarded"][ctx.target.village]


def assessment_bulk_body(ctx: Ctx) -> dict:
    return {"item": sorted(ctx.world.proposals["forwarded"].values())}


def target_musyawarah(ctx: Ctx):
    return village_musyawarah(ctx.world, ctx.target.village)


def target_item(ctx: Ctx):
    return target_musyawarah(ctx).items.order_by("pk").first()


def queue_item(ctx: Ctx):
    """The target village's submitted self-registration (world.proposal_rows): in its regency's queue."""
    from proposals.models import ProposalItem

    return ProposalItem.objects.get(pk=ctx.world.proposals["self_registration"][ctx.target.village])


def musyawarah_body(ctx: Ctx) -> dict:
    import uuid

    return {
        "kunci": uuid.uuid4().hex,  # the page form's key; the API ignores it
        "held_on": "2026-11-02",
        "place": "Balai kelurahan",
        "led_by": "Lurah",
        "attendee_count": 12,
        "input_sources": ["RT_RW", "PSKS"],
    }


def item_create_body(ctx: Ctx) -> dict:
    """A deletion of the target village's individual; a village operator names its own musyawarah
    (a target outside the caller's scope answers 404, as a detail would)."""
    from dtks.accounts.models import Role

    body = {
        "kind": "deletion",
        "target_person_id": ctx.target.individual.person_id,
        "deletion_reason": "MENINGGAL",
    }
    if ctx.user is not None and ctx.user.role == Role.VILLAGE_OPERATOR:
        body["musyawarah"] = village_musyawarah(ctx.world, ctx.user.region_code).pk
    return body


# --- the table ------------------------------------------------------------------------------------

ROUTES: tuple[Route, ...] = (
    # Public pages.
    Route("home", "/"),
    Route("health", "/sehat/"),
    Route("set_language", "/i18n/setlang/", "POST", {"language": "en", "next": "/"}, ok=302),
    Route("regions:picker", "/wilayah/"),
    Route("regions:children", "/wilayah/anak/?parent=33"),
    # Signing in (docs/authentication.md).
    Route("accounts:login", "/akun/masuk/", ok=signed_in_redirects),
    Route("accounts:login", "/akun/masuk/", "POST", login_body, ok=lambda c: 302 if c.signed_in else 200),
    Route("accounts:activate", "/akun/aktivasi/"),
    Route("accounts:activate", "/akun/aktivasi/", "POST", activation_body),
    Route("accounts:logout", "/akun/keluar/", "POST", {}, ok=302),
    # The harness's sessions have passed TOTP (or need none), so both steps send them on — except
    # enrolment for the roles without mandatory TOTP, which is offered to them (the wrong code
    # re-shows the form).
    Route("accounts:otp_setup", "/akun/totp/pasang/", ok=voluntary_enrolment),
    Route("accounts:otp_setup", "/akun/totp/pasang/", "POST", {"token": "000000"}, ok=voluntary_enrolment),
    Route("accounts:otp_verify", "/akun/totp/verifikasi/", ok=302),
    Route("accounts:otp_verify", "/akun/totp/verifikasi/", "POST", {"token": "000000"}, ok=302),
    Route("dashboard", "/dasbor/"),
    Route("notifications", "/notifikasi/"),
    # Registry pages (dtks/registry/views.py).
    Route("registry:families", "/registri/keluarga/", rows="family"),
    Route(
        "registry:families",
        lambda c: f"/registri/keluarga/?wilayah={c.target.village}",
        label="wilayah",
        target=True,
        rows="family",
        target_ids=family_ids,
    ),
    Route(
        "registry:families",
        "/registri/keluarga/",
        "POST",
        lambda c: {"nomor": c.target.no_kk},
        label="KK",
        target=True,
        rows="family",
        target_ids=family_ids,
    ),
    Route("registry:family", lambda c: f"/registri/keluarga/{c.target.family_id}/", target=True),
    Route("registry:persons", "/registri/orang/", rows="person"),
    Route(
        "registry:persons",
        lambda c: f"/registri/orang/?wilayah={c.target.village}",
        label="wilayah",
        target=True,
        rows="person",
        target_ids=village_person_ids,
    ),
    Route(
        "registry:persons",
        "/registri/orang/",
        "POST",
        lambda c: {"nomor": c.target.head.nik},
        label="NIK",
        target=True,
        rows="person",
        target_ids=head_ids,
    ),
    Route("registry:person", lambda c: f"/registri/orang/{c.target.head.person_id}/", target=True),
    # The API (docs/api.md).
    Route("api:family-list", "/api/v1/keluarga/", rows="family"),
    Route(
        "api:family-list",
        lambda c: f"/api/v1/keluarga/?wilayah={c.target.village}",
        label="wilayah",
        target=True,
        rows="family",
        target_ids=family_ids,
    ),
    Route("api:family-detail", lambda c: f"/api/v1/keluarga/{c.target.family_id}/", target=True),
    Route("api:person-list", "/api/v1/orang/", rows="person"),
    Route(
        "api:person-list",
        lambda c: f"/api/v1/orang/?wilayah={c.target.village}",
        label="wilayah",
        target=True,
        rows="person",
        target_ids=village_person_ids,
    ),
    Route("api:person-detail", lambda c: f"/api/v1/orang/{c.target.head.person_id}/", target=True),
    Route(
        "api:person-search",
        "/api/v1/orang/cari/",
        "POST",
        lambda c: {"nik": c.target.head.nik},
        label="NIK",
        target=True,
        rows="person",
        target_ids=head_ids,
    ),
    Route(
        "api:person-search",
        "/api/v1/orang/cari/",
        "POST",
        lambda c: {"no_kk": c.target.no_kk},
        label="KK",
        target=True,
        rows="person",
        target_ids=member_ids,
    ),
    Route("api:region-list", "/api/v1/wilayah/?induk=33"),
    Route("api:token", "/api/v1/token/", "POST", ok=token_issue_status),
    Route("api:token", "/api/v1/token/", "DELETE", ok=204),
    Route("api:schema", "/api/v1/schema/"),
    Route("api:docs", "/api/v1/docs/"),
    # The spreadsheet import of a musyawarah (village operators of its village).
    Route("proposals:import_template", "/usulan/impor/templat.xlsx"),
    Route("proposals:import_template", "/usulan/impor/templat.csv", label="csv"),
    Route(
        "proposals:import_upload",
        lambda c: f"/usulan/musyawarah/{import_musyawarah(c).pk}/impor/",
        target=True,
    ),
    Route(
        "proposals:import_upload",
        lambda c: f"/usulan/musyawarah/{import_musyawarah(c).pk}/impor/",
        "POST",
        refused_upload,
        target=True,
        ok=400,
    ),
    Route("proposals:import_job", lambda c: f"/usulan/impor/{import_job(c).pk}/", target=True),
    Route("proposals:import_progress", lambda c: f"/usulan/impor/{import_job(c).pk}/progres/", target=True),
    Route(
        "proposals:import_confirm",
        lambda c: f"/usulan/impor/{import_job(c).pk}/konfirmasi/",
        "POST",
        {},
        target=True,
        ok=302,
    ),
    Route(
        "proposals:import_cancel",
        lambda c: f"/usulan/impor/{import_job(c).pk}/batal/",
        "POST",
        {},
        target=True,
        ok=302,
    ),
    Route(
        "proposals:import_row_fix",
        lambda c: import_row_url(c, "/usulan/impor/", "perbaiki/"),
        "POST",
        import_row_fix_body,
        target=True,
        ok=302,  # back to the preview (htmx gets the row instead)
    ),
    Route(
        "api:import-row-fix",
        lambda c: import_row_url(c, "/api/v1/impor/", ""),
        "PATCH",
        {"jenis_kelamin": "P"},
        target=True,
    ),
    Route(
        "api:import-upload",
        lambda c: f"/api/v1/musyawarah/{import_musyawarah(c).pk}/impor/",
        "POST",
        refused_api_upload,
        target=True,
        ok=400,  # refused by its content, after the scope check: nothing stored
    ),
    Route("api:import-list", "/api/v1/impor/", rows="import", row_kinds=("import",)),
    Route("api:import-detail", lambda c: f"/api/v1/impor/{import_job(c).pk}/", target=True),
    Route("api:import-rows", lambda c: f"/api/v1/impor/{import_with_bad_row(c).pk}/baris/", target=True),
    Route(
        "api:import-confirm",
        lambda c: f"/api/v1/impor/{import_job(c).pk}/konfirmasi/",
        "POST",
        {},
        target=True,
        ok=202,
    ),
    Route("api:import-cancel", lambda c: f"/api/v1/impor/{import_job(c).pk}/batal/", "POST", {}, target=True),
    # Self-registration (public) and the village's read-only list of it; ministry proposals.
    Route("public:register", "/daftar/"),
    Route("public:register", "/daftar/", "POST", self_registration_body, ok=302),
    Route("public:receipt", receipt_url),
    Route(
        "proposals:self_registrations",
        "/usulan/pendaftaran-mandiri/",
        rows="item",
        row_kinds=("self_registration",),
    ),
    Route("proposals:ministry_list", "/usulan/kementerian/", rows="item", row_kinds=("ministry",)),
    Route("proposals:ministry_create", "/usulan/kementerian/baru/"),
    Route("proposals:ministry_create", "/usulan/kementerian/baru/", "POST", ministry_body, ok=302),
    Route("proposals:ministry_item", lambda c: f"/usulan/kementerian/{ministry_item(c).pk}/", target=True),
    Route("api:ministry-proposal-list", "/api/v1/usulan-kementerian/", rows="item", row_kinds=("ministry",)),
    Route("api:ministry-proposal-list", "/api/v1/usulan-kementerian/", "POST", ministry_api_body, ok=201),
    Route(
        "api:self-registration", "/api/v1/pendaftaran-mandiri/", "POST", self_registration_api_body, ok=201
    ),
    # The village operator's musyawarah and items; the regency's "return to village" and filings.
    Route("proposals:musyawarah_list", "/usulan/", rows="musyawarah", row_kinds=("musyawarah",)),
    Route("proposals:musyawarah_new", "/usulan/musyawarah/baru/"),
    Route("proposals:musyawarah_new", "/usulan/musyawarah/baru/", "POST", musyawarah_body, ok=302),
    Route("proposals:musyawarah", lambda c: f"/usulan/musyawarah/{target_musyawarah(c).pk}/", target=True),
    Route(
        "proposals:musyawarah_minutes",
        lambda c: f"/usulan/musyawarah/{target_musyawarah(c).pk}/notulen/",
        target=True,
    ),
    Route(
        "proposals:musyawarah_minutes_upload",
        lambda c: f"/usulan/musyawarah/{target_musyawarah(c).pk}/notulen/unggah/",
        "POST",
        refused_upload,  # an empty file: refused (400) after the scope check
        target=True,
        ok=400,
    ),
    Route(
        "proposals:musyawarah_hold",
        lambda c: f"/usulan/musyawarah/{target_musyawarah(c).pk}/terlaksana/",
        "POST",
        {},
        target=True,
        ok=302,
    ),
    Route(
        "proposals:musyawarah_submit",
        lambda c: f"/usulan/musyawarah/{target_musyawarah(c).pk}/ajukan/",
        target=True,  # what would be submitted, to confirm
    ),
    Route(
        "proposals:musyawarah_submit",
        lambda c: f"/usulan/musyawarah/{target_musyawarah(c).pk}/ajukan/",
        "POST",
        {},
        target=True,
        ok=302,
    ),
    Route(
        "proposals:item_new",
        lambda c: f"/usulan/musyawarah/{target_musyawarah(c).pk}/tambah/penambahan/",
        target=True,
    ),
    Route("proposals:returned", "/usulan/dikembalikan/", rows="item", row_kinds=("returned",)),
    Route("proposals:item", lambda c: f"/usulan/item/{target_item(c).pk}/", target=True),
    Route("proposals:item_edit", lambda c: f"/usulan/item/{target_item(c).pk}/ubah/", target=True),
    Route(
        "proposals:item_transition",
        lambda c: f"/usulan/item/{target_item(c).pk}/keputusan/",
        "POST",
        {"transition": "withdraw", "reason": "Dobel."},
        target=True,
        ok=302,
    ),
    Route(
        "proposals:regency", "/usulan/kabupaten/", rows="item", row_kinds=("self_registration", "ministry")
    ),
    Route("proposals:regency_item_new", "/usulan/kabupaten/tambah/penghapusan/"),
    Route("api:musyawarah-list", "/api/v1/musyawarah/", rows="musyawarah", row_kinds=("musyawarah",)),
    Route("api:musyawarah-create", "/api/v1/musyawarah/baru/", "POST", musyawarah_body, ok=201),
    Route("api:musyawarah-detail", lambda c: f"/api/v1/musyawarah/{target_musyawarah(c).pk}/", target=True),
    Route(
        "api:musyawarah-minutes",
        lambda c: f"/api/v1/musyawarah/{target_musyawarah(c).pk}/notulen/",
        "POST",
        {},
        target=True,
        ok=415,  # the harness sends JSON; the minutes are multipart (tests/proposals/test_proposals_api.py)
    ),
    Route(
        "api:musyawarah-transition",
        lambda c: f"/api/v1/musyawarah/{target_musyawarah(c).pk}/transisi/",
        "POST",
        {"transition": "hold"},  # already held: the same step again changes nothing
        target=True,
    ),
    Route(
        "api:item-list",
        "/api/v1/usulan/",
        rows="item",
        row_kinds=("returned", "self_registration", "ministry"),
    ),
    Route("api:item-create", "/api/v1/usulan/baru/", "POST", item_create_body, target=True, ok=201),
    Route("api:item-detail", lambda c: f"/api/v1/usulan/{target_item(c).pk}/", target=True),
    Route(
        "api:item-transition",
        lambda c: f"/api/v1/usulan/{target_item(c).pk}/transisi/",
        "POST",
        {"transition": "withdraw", "reason": "Dobel."},
        target=True,
    ),
    # The regency's verval queue (verification/views.py, apis.py): the world's submitted
    # self-registrations and ministry proposals are in it; the review opens one item per relation.
    Route("verification:queue", "/verval/", rows="item", row_kinds=("self_registration", "ministry")),
    Route(
        "verification:queue",
        "/verval/",
        "POST",
        lambda c: {"nomor": c.target.head.nik},
        label="NIK",
        target=True,
        rows="item",
        row_kinds=("self_registration", "ministry"),
    ),
    Route("verification:queue_xlsx", "/verval/unduh/"),
    Route("verification:review", lambda c: f"/verval/usulan/{queue_item(c).pk}/", target=True),
    Route("api:verval-queue", "/api/v1/verval/", rows="item", row_kinds=("self_registration", "ministry")),
    Route(
        "api:verval-search",
        "/api/v1/verval/cari/",
        "POST",
        lambda c: {"nomor": c.target.head.nik},
        target=True,
        rows="item",
        row_kinds=("self_registration", "ministry"),
    ),
    Route("api:verval-review", lambda c: f"/api/v1/verval/usulan/{queue_item(c).pk}/", target=True),
    # The verifier's decisions (verification/decision_views.py, decision_apis.py): one item's decision
    # (a self-registration of the target village, which the regency verifies), the bulk decision
    # (ids outside the caller's scope are skipped, so it answers the same everywhere) and its result.
    Route("verification:decide", lambda c: f"/verval/usulan/{verval_item(c)}/putuskan/", target=True),
    Route(
        "verification:decide",
        lambda c: f"/verval/usulan/{verval_item(c)}/putuskan/",
        "POST",
        VERVAL_REJECT,
        target=True,
        ok=302,
    ),
    Route("verification:bulk", "/verval/keputusan-massal/", "POST", verval_bulk_body, ok=302),
    Route(
        "verification:bulk_progress", lambda c: f"/verval/keputusan-massal/{verval_bulk(c).pk}/", target=True
    ),
    Route(
        "api:verval-decide",
        lambda c: f"/api/v1/verval/usulan/{verval_item(c)}/keputusan/",
        "POST",
        VERVAL_REJECT,
        target=True,
        ok=201,
    ),
    Route(
        "api:verval-bulk",
        "/api/v1/verval/keputusan-massal/",
        "POST",
        verval_bulk_api_body,
        ok=201,
    ),
    Route(
        "api:verval-bulk-detail",
        lambda c: f"/api/v1/verval/keputusan-massal/{verval_bulk(c).pk}/",
        target=True,
    ),
    # The ministry's assessment (determination/views.py, apis.py): the world's forwarded items and the
    # self-registrations the ministry verifies itself are in its queue; the review and the decision open
    # the target village's forwarded item (a return with a rule code and a note); the bulk acceptance
    # takes every village's forwarded item (out of scope: skipped, "tidak ditemukan").
    Route("determination:queue", "/penilaian/", rows="item", row_kinds=("forwarded",)),
    Route(
        "determination:queue",
        "/penilaian/?tab=verval",
        label="verval",
        rows="item",
        row_kinds=("ministry_verval",),
    ),
    Route(
        "determination:queue",
        "/penilaian/",
        "POST",
        lambda c: {"nomor": c.target.head.nik},
        label="NIK",
        target=True,
        rows="item",
        row_kinds=ASSESSED,
    ),
    Route("determination:queue_xlsx", "/penilaian/unduh/"),
    Route("determination:review", lambda c: f"/penilaian/usulan/{forwarded_item(c)}/", target=True),
    Route("determination:decide", lambda c: f"/penilaian/usulan/{forwarded_item(c)}/putuskan/", target=True),
    Route(
        "determination:decide",
        lambda c: f"/penilaian/usulan/{forwarded_item(c)}/putuskan/",
        "POST",
        ASSESSMENT_RETURN,
        target=True,
        ok=302,
    ),
    Route("determination:bulk_accept", "/penilaian/terima-massal/", "POST", assessment_bulk_body, ok=302),
    Route("api:assessment-queue", "/api/v1/penilaian/", rows="item", row_kinds=("forwarded",)),
    Route(
        "api:assessment-queue",
        "/api/v1/penilaian/?tab=verval",
        label="verval",
        rows="item",
        row_kinds=("ministry_verval",),
    ),
    Route(
        "api:assessment-search",
        "/api/v1/penilaian/cari/",
        "POST",
        lambda c: {"nomor": c.target.head.nik},
        target=True,
        rows="item",
        row_kinds=ASSESSED,
    ),
    Route("api:assessment-review", lambda c: f"/api/v1/penilaian/usulan/{forwarded_item(c)}/", target=True),
    Route(
        "api:assessment-decide",
        lambda c: f"/api/v1/penilaian/usulan/{forwarded_item(c)}/keputusan/",
        "POST",
        {**ASSESSMENT_RETURN, "rule_codes": ["INCOMPLETE"]},
        target=True,
        ok=201,
    ),
    Route(
        "api:assessment-bulk-accept",
        "/api/v1/penilaian/terima-massal/",
        "POST",
        lambda c: {"item_ids": sorted(c.world.proposals["forwarded"].values())},
    ),
    # The regency submission (verification/submission_views.py, submission_apis.py): the list holds
    # every regency's sent submission (the province sees those of its regencies); gathering takes the
    # caller's regency's verified items; the sign-off without a letter is refused after the scope check;
    # sending a signed submission, and the letter and recap downloads, act on the target's regency.
    Route("verification:submissions", "/verval/pengajuan/", rows="submission", row_kinds=("submission",)),
    Route("verification:submission_gather", "/verval/pengajuan/kumpulkan/", "POST", {}, ok=302),
    Route("verification:submission", lambda c: f"/verval/pengajuan/{sent_submission(c)}/", target=True),
    Route(
        "verification:submission_sign",
        lambda c: f"/verval/pengajuan/{submission_in(c, 'open')}/sahkan/",
        "POST",
        SIGN_WITHOUT_LETTER,
        target=True,
        ok=400,
    ),
    Route(
        "verification:submission_send",
        lambda c: f"/verval/pengajuan/{submission_in(c, 'signed')}/kirim/",
        "POST",
        {},
        target=True,
        ok=302,
    ),
    Route(
        "verification:submission_letter",
        lambda c: f"/verval/pengajuan/{sent_submission(c)}/surat/",
        target=True,
    ),
    Route(
        "verification:submission_recap",
        lambda c: f"/verval/pengajuan/{sent_submission(c)}/rekap/",
        target=True,
    ),
    Route(
        "api:verval-submissions", "/api/v1/verval/pengajuan/", rows="submission", row_kinds=("submission",)
    ),
    Route("api:verval-submission-gather", "/api/v1/verval/pengajuan/kumpulkan/", "POST", {}, ok=201),
    Route("api:verval-submission", lambda c: f"/api/v1/verval/pengajuan/{sent_submission(c)}/", target=True),
    Route(
        "api:verval-submission-sign",
        lambda c: f"/api/v1/verval/pengajuan/{submission_in(c, 'open')}/sahkan/",
        "POST",
        SIGN_WITHOUT_LETTER,
        target=True,
        ok=400,
    ),
    Route(
        "api:verval-submission-send",
        lambda c: f"/api/v1/verval/pengajuan/{submission_in(c, 'signed')}/kirim/",
        "POST",
        {},
        target=True,
    ),
    # The province (verification/province_views.py, submission_views.py, province_apis.py,
    # submission_apis.py): its summary lists the sent submissions of its regencies (per regency; the API
    # under each regency's `submissions`); forwarding (the whole submission) and disputing (its items,
    # with a reason) act on the target regency's sent submission.
    Route("verification:province", "/verval/provinsi/", rows="submission", row_kinds=("submission",)),
    Route(
        "verification:submission_forward",
        lambda c: f"/verval/pengajuan/{sent_submission(c)}/teruskan/",
        "POST",
        {"semua": "1"},
        target=True,
        ok=302,
    ),
    Route(
        "verification:submission_dispute",
        lambda c: f"/verval/pengajuan/{sent_submission(c)}/sanggah/",
        "POST",
        dispute_body,
        target=True,
        ok=302,
    ),
    Route(
        "api:verval-province",
        "/api/v1/verval/provinsi/",
        rows="submission",
        row_kinds=("submission",),
        nested="submissions",
    ),
    Route(
        "api:verval-submission-forward",
        lambda c: f"/api/v1/verval/pengajuan/{sent_submission(c)}/teruskan/",
        "POST",
        {},
        target=True,
    ),
    Route(
        "api:verval-submission-dispute",
        lambda c: f"/api/v1/verval/pengajuan/{sent_submission(c)}/sanggah/",
        "POST",
        dispute_body,
        target=True,
    ),
    # Field visits (verification/visit_views.py, visit_apis.py): every village has a prelist with one
    # visit and one photo, assigned to its field officer; the regency draws up a new one for the home
    # village (its ministry proposal is still to visit); a visit is recorded on the target's entry.
    Route("verification:prelists", "/verval/prelist/", rows="prelist", row_kinds=("prelist",)),
    Route("verification:prelists", "/verval/prelist/", "POST", prelist_body, ok=302),
    Route("verification:prelist", lambda c: f"/verval/prelist/{village_row('prelist')(c)}/", target=True),
    Route(
        "verification:prelist_pdf", lambda c: f"/verval/prelist/{village_row('prelist')(c)}/pdf/", target=True
    ),
    Route(
        "verification:prelist_xlsx",
        lambda c: f"/verval/prelist/{village_row('prelist')(c)}/xlsx/",
        target=True,
    ),
    Route("verification:field", "/verval/lapangan/", rows="prelist", row_kinds=("prelist",)),
    Route("verification:field_sw", "/verval/lapangan/sw.js"),
    Route(
        "verification:field_prelist",
        lambda c: f"/verval/lapangan/prelist/{village_row('prelist')(c)}/",
        target=True,
    ),
    Route(
        "verification:visit_new",
        lambda c: f"/verval/lapangan/prelist/{village_row('prelist')(c)}/kunjungan/",
        "POST",
        visit_body,
        target=True,
        ok=302,
    ),
    Route("verification:visit_photo", lambda c: f"/verval/foto/{village_row('photo')(c)}/", target=True),
    Route("api:prelists", "/api/v1/verval/prelist/", rows="prelist", row_kinds=("prelist",)),
    Route("api:prelist-create", "/api/v1/verval/prelist/baru/", "POST", prelist_api_body, ok=201),
    Route("api:prelist", lambda c: f"/api/v1/verval/prelist/{village_row('prelist')(c)}/", target=True),
    Route("api:field-visit", "/api/v1/lapangan/kunjungan/", "POST", visit_body, target=True, ok=201),
    # The Dukcapil pages (dtks/civil/views.py): the data unit's page, its extracts, and the
    # reconciliation, whose list holds every person of the world (each differs in something).
    Route("civil:overview", "/dukcapil/"),
    Route("civil:extract_upload", "/dukcapil/ekstrak/", "POST", refused_extract, ok=400),
    Route("civil:extract", civil_extract_url),
    Route("civil:extract_progress", lambda c: civil_extract_url(c, "progres/")),
    Route("civil:extract_refusals", lambda c: civil_extract_url(c, "ditolak.csv")),
    Route("civil:reconciliation", "/dukcapil/rekonsiliasi/", rows="person"),
    Route(
        "civil:reconciliation",
        lambda c: f"/dukcapil/rekonsiliasi/?wilayah={c.target.village}",
        label="wilayah",
        target=True,
        rows="person",
        target_ids=village_person_ids,
    ),
    Route(
        "civil:reconciliation",
        lambda c: f"/dukcapil/rekonsiliasi/?alasan=nama&wilayah={c.target.village}",
        label="alasan",
        target=True,
        rows="person",
        target_ids=head_ids,
    ),
    Route("civil:reconciliation_xlsx", "/dukcapil/rekonsiliasi/unduh.xlsx"),
    Route("civil:reconciliation_recompute", "/dukcapil/rekonsiliasi/hitung-ulang/", "POST", {}, ok=302),
    Route("api:civil-reconciliation", "/api/v1/dukcapil/rekonsiliasi/", rows="person"),
    Route(
        "api:civil-reconciliation",
        lambda c: f"/api/v1/dukcapil/rekonsiliasi/?wilayah={c.target.village}",
        label="wilayah",
        target=True,
        rows="person",
        target_ids=village_person_ids,
    ),
    Route("api:civil-extract-upload", "/api/v1/dukcapil/ekstrak/", "POST", refused_extract, ok=400),
    Route("api:civil-extract-detail", lambda c: f"/api/v1/dukcapil/ekstrak/{c.world.civil['extract']}/"),
    # Django's admin (administrators only; docs/authentication.md). Its login form only redirects to
    # ours; logging out of it ends the DTKS session.
    Route("admin:login", "/admin/login/", ok=302),
    Route("admin:logout", "/admin/logout/", "POST", {}, ok=admin_site_member),
    Route("admin:index", "/admin/"),
    Route("admin:app_list", "/admin/accounts/"),
    Route("admin:jsi18n", "/admin/jsi18n/"),
    Route(
        "admin:autocomplete",
        "/admin/autocomplete/?app_label=accounts&model_name=user&field_name=organisation",
    ),
    Route("admin:password_change", "/admin/password_change/"),
    Route("admin:password_change_done", "/admin/password_change/done/"),
    # Users' passwords are never set by an administrator: the page sends back to the user.
    Route(
        "admin:auth_user_password_change",
        lambda c: f"/admin/accounts/user/{c.world.admin_objects['accounts_user'].pk}/password/",
        ok=302,
    ),
    # No admin model has a public page (get_absolute_url), so "view on site" finds nothing.
    Route(
        "admin:view_on_site",
        lambda c: f"/admin/r/{content_type_id(c.world.organisation)}/{c.world.organisation.pk}/",
        ok=404,
    ),
    Route("admin:<unnamed (?P<url>.*)$>", "/admin/tidak-ada/", ok=404),
    *admin_model("accounts_user", "accounts", "user"),
    *admin_model("accounts_organisation", "accounts", "organisation"),
    # Read-only in the admin: no adding, changing or deleting (dtks/accounts/admin.py).
    *admin_model("accounts_activationcode", "accounts", "activationcode", add=403, delete=403),
    *admin_model("otp_totp_totpdevice", "otp_totp", "totpdevice", add=403, delete=403),
    # Groups are not the admin role's (dtks.accounts.backends.ADMIN_APP_LABELS): Django refuses them.
    *admin_model("auth_group", "auth", "group", view=403, add=403, change=403, delete=403),
    # django-axes' records are written by sign-ins only (its admin offers no "add").
    *admin_model("axes_accessattempt", "axes", "accessattempt", add=403),
    *admin_model("axes_accessfailurelog", "axes", "accessfailurelog", add=403),
    *admin_model("axes_accesslog", "axes", "accesslog", add=403),
    # Registry configuration (dtks/registry/admin.py): rules are switched, never added or deleted;
    # codes are added and deactivated, never deleted.
    *admin_model("registry_integrityrule", "registry", "integrityrule", add=403, delete=403),
    *admin_model("registry_code", "registry", "code", delete=403),
    # Their import (preview, confirm) and export (dtks/core/configuration.py).
    *admin_import_export(
        "registry_integrityrule",
        "registry",
        "integrityrule",
        resource="integrityruleresource",
        rows=b"code,label,description,enabled,blocking\nDUPLICATE_NIK,NIK ganda,,1,1\n",
    ),
    # The civil-registry source (dtks/civil/admin.py): one row, never added again nor deleted; the
    # extracts read-only.
    *admin_model("civil_settings", "civil", "settings", add=403, delete=403),
    *admin_model("civil_extract", "civil", "extract", add=403, delete=403),
    *admin_import_export(
        "civil_settings",
        "civil",
        "settings",
        resource="settingsresource",
        rows=b"id,source,name_threshold\n1,none,85\n",
        field="source",
    ),
    *admin_import_export(
        "registry_code",
        "registry",
        "code",
        resource="coderesource",
        rows=b"list,code,label,sort,active\nkriteria,KEMISKINAN,Kemiskinan,0,1\n",
    ),
)
