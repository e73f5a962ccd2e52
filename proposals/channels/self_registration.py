"""Stage 1, the self-registration channel (pendaftaran mandiri, docs/design.md §1.1): a citizen's own
proposal goes straight to `submitted`, to the regency's (or the ministry's) verification queue.

The citizen sees nothing about anyone's records: not whether a NIK is already registered, not the
integrity findings (stored on the item for staff). Every answer has the same shape. The rate limit
per IP uses the shared `ratelimit` cache. There is no limit per NIK: a NIK sent again while its
application is open replaces the open version instead of adding one, so repeats pile nothing up and
nobody can block a named citizen's registration (docs/decisions.md).

One thing the citizen is told, because it is about their own typing and reveals nothing about anyone
else: a birth date or sex that contradicts the date part of the same person's NIK (`nik_warnings`).
The submission is refused with those warnings until the citizen corrects the field or confirms that
the data is right (`nik_confirmed`); a confirmed contradiction is kept as the item's `NIK_MISMATCH`
finding for the verifier.
"""

import dataclasses
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dtks.audit.services import SystemActor
from dtks.core.idempotency import idempotency_claim
from dtks.registry.identity import check_nik, nik_mismatch
from dtks.registry.models import PersonVersion
from proposals.item import proposal_item_transition
from proposals.item.history import write_created
from proposals.item.integrity import SAVE_BLOCKING, blocks_saving, item_data, item_findings
from proposals.item.models import ProposalItem, ProposalPerson
from proposals.item.selectors import proposal_items_of_channel

SYSTEM_ACTOR = "sistem:pendaftaran_mandiri"
# Receipt codes: no 0/O, 1/I/L, so a code read out over the phone is not misheard.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_SALT = "proposals.self_registration.receipt"


# --- rate limits ------------------------------------------------------------------------------------


def _bucket(scope: str, ident: str, window: int) -> str:
    # HMAC, so a NIK is never written to the cache table in clear (docs/security.md #9).
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{ident}".encode(), hashlib.sha256).hexdigest()
    return f"rl:{scope}:{digest[:40]}:{int(timezone.now().timestamp()) // window}"


def rate_limit_hit(*, scope: str, ident: str, limit: int, window: int) -> bool:
    """Count one attempt of `ident` in the current fixed window; True once over `limit`.

    The database cache's incr is a read and a write, so two racing requests may both count as one:
    a limit can be overshot by the number of concurrent requests, never undercounted for long.
    """
    cache = caches["ratelimit"]
    key = _bucket(scope, ident, window)
    if cache.add(key, 1, timeout=window):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def ip_limited(ip: str | None) -> bool:
    limit, window = settings.DTKS_SELF_REGISTRATION_RATE_IP
    return rate_limit_hit(scope="ip", ident=ip or "-", limit=limit, window=window)


# --- receipts ---------------------------------------------------------------------------------------


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def receipt_token(code: str) -> str:
    """The receipt page's URL carries the code signed, so the page needs no lookup (no oracle)."""
    return signing.Signer(salt=RECEIPT_SALT).sign(code)


def receipt_from_token(token: str) -> str | None:
    try:
        return signing.Signer(salt=RECEIPT_SALT).unsign(token)
    except signing.BadSignature:
        return None


# --- the submission -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Submission:
    """What the citizen sent, cleaned: the applicant first in `persons`."""

    kind: str  # ProposalItem.Kind.ADDITION or CORRECTION
    village_code: str
    no_kk: str
    rt: str
    rw: str
    alamat: str
    phone: str
    note: str
    persons: list[dict]

    def fingerprint(self) -> str:
        def plain(value):
            return value.isoformat() if isinstance(value, date) else value

        payload = dataclasses.asdict(self)
        payload["persons"] = [{k: plain(v) for k, v in sorted(p.items())} for p in self.persons]
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# --- the citizen's own NIK against their own birth date and sex ------------------------------------------


def nik_warnings(person: Mapping) -> dict[str, str]:
    """{field: message} for each of the person's fields that contradicts the date part of their own NIK.

    `dtks.registry.identity.nik_mismatch` decides (the rule of the `NIK_MISMATCH` finding, docs/design.md
    §7: DDMMYY only, women's day + 40); the messages name the field, what the NIK says and the fix.
    """
    check = check_nik(person.get("nik"))
    born = person.get("tanggal_lahir")
    sex = person.get("jenis_kelamin")
    wrong = nik_mismatch(check, birth_date=born, sex=sex)
    out = {}
    if "tanggal_lahir" in wrong:
        out["tanggal_lahir"] = _(
            "Digit 7–12 NIK menunjukkan tanggal lahir %(nik_date)s, tetapi tanggal lahir yang ditulis "
            "%(typed)s; periksa tanggal lahir atau NIK."
        ) % {
            "nik_date": f"{check.day:02d}-{check.month:02d}-{check.yy:02d}",
            "typed": born.strftime("%d-%m-%Y"),
        }
    if "jenis_kelamin" in wrong:
        words = {"L": _("laki-laki"), "P": _("perempuan")}
        out["jenis_kelamin"] = _(
            "Digit 7–8 NIK menunjukkan jenis kelamin %(nik_sex)s (pada NIK perempuan, tanggal lahir "
            "ditambah 40), tetapi yang dipilih %(typed)s; periksa jenis kelamin atau NIK."
        ) % {"nik_sex": words[check.sex], "typed": words[sex]}
    return out


class NikMismatch(ValidationError):
    """Birth dates or sexes that contradict the same persons' NIKs, not confirmed by the citizen.

    `warnings` is {position in `Submission.persons` (0 = the applicant): {field: message}}."""

    def __init__(self, warnings: dict[int, dict[str, str]]):
        self.warnings = warnings
        super().__init__([m for fields in warnings.values() for m in fields.values()], code="nik_mismatch")


def submission_nik_warnings(submission: Submission) -> dict[int, dict[str, str]]:
    """`nik_warnings` of every person of the submission that has any, by position."""
    found = {i: nik_warnings(p) for i, p in enumerate(submission.persons)}
    return {i: w for i, w in found.items() if w}


def verifier_for(village_code: str) -> str:
    """Regency by default; the ministry where a setting lists the village's province or regency."""
    for prefix in settings.DTKS_SELF_REGISTRATION_MINISTRY_REGIONS:
        if prefix and village_code.startswith(prefix):
            return ProposalItem.Verifier.MINISTRY
    return ProposalItem.Verifier.REGENCY


def item_integrity_findings(item: ProposalItem, *, actor=None) -> list[dict]:
    """The per-item integrity engine's findings, stored with the item for staff (docs/design.md §7).

    With no actor (the public channel) a duplicate names nothing; the citizen never sees findings.
    A save-blocking finding (NIK_INVALID) cannot occur here: the forms refuse those NIKs first.
    """
    findings = item_findings(item_data(item), actor=actor)
    if blocks_saving(findings):
        raise ValidationError([f["message"] for f in findings if f["rule"] in SAVE_BLOCKING])
    return findings


PERSON_FIELDS = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
)


def proposal_person(item: ProposalItem, position: int, person: dict) -> ProposalPerson:
    """A ProposalPerson from a cleaned person form (a missing NIK is NULL: NIK_PENDING)."""
    return ProposalPerson(
        item=item,
        position=position,
        nik=person.get("nik") or None,
        tanggal_lahir=person.get("tanggal_lahir"),
        **{f: person.get(f) or "" for f in PERSON_FIELDS if f not in ("nik", "tanggal_lahir")},
    )


def _registered_person_id(nik: str | None) -> int | None:
    """For a correction: the determined person it concerns, for staff (never shown to the citizen)."""
    if not nik:
        return None
    return (
        PersonVersion.objects.filter(nik=nik, published=True, valid_to__isnull=True)
        .values_list("person_id", flat=True)
        .first()
    )


def _lock_applicant(nik: str) -> None:
    """Submissions for one applicant NIK run one after the other until the transaction ends, so two at
    once cannot both miss (or both replace) the open version. The lock's key is an HMAC: no NIK in
    pg_locks."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"self_registration:{nik}".encode(), hashlib.sha256)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest.digest()[:8], "big", signed=True)]
        )


def open_version(nik: str) -> ProposalItem | None:
    """The applicant's self-registration the verifier has not decided yet (`submitted`), locked; None
    when there is none. At most one exists: every new version supersedes it."""
    return (
        ProposalItem.objects.filter(
            channel=ProposalItem.Channel.SELF_REGISTRATION,
            state=ProposalItem.State.SUBMITTED,
            persons__position=0,
            persons__nik=nik,
        )
        .select_for_update(of=("self",))
        .order_by("-pk")
        .first()
    )


def _new_item(submission: Submission, *, consent_at, earlier: ProposalItem | None) -> ProposalItem:
    correction = submission.kind == ProposalItem.Kind.CORRECTION
    item = ProposalItem(
        kind=submission.kind,
        channel=ProposalItem.Channel.SELF_REGISTRATION,
        # docs/design.md §4: self-registrations start in `submitted` (no draft, no musyawarah).
        state=ProposalItem.State.SUBMITTED,
        verifier=verifier_for(submission.village_code),
        village_code=submission.village_code,
        no_kk=submission.no_kk,
        rt=submission.rt,
        rw=submission.rw,
        alamat=submission.alamat,
        note=submission.note,
        contact_phone=submission.phone,
        consent_at=consent_at or timezone.now(),
        target_person_id=_registered_person_id(submission.persons[0].get("nik")) if correction else None,
        # A later version belongs to the application of the version it replaces (its first version).
        application_id=(earlier.application_id or earlier.pk) if earlier else None,
    )
    for _attempt in range(5):
        item.receipt_code = new_receipt_code()
        if not ProposalItem.objects.filter(receipt_code=item.receipt_code).exists():
            break
    item.save()
    ProposalPerson.objects.bulk_create(proposal_person(item, i, p) for i, p in enumerate(submission.persons))
    return item


@transaction.atomic
def self_registration_submit(
    *,
    submission: Submission,
    form_key: str,
    ip: str | None = None,
    consent_at=None,
    nik_confirmed: bool = False,
) -> tuple[ProposalItem, bool]:
    """Create the submitted item with its persons, history and audit rows; (item, created).

    The idempotency key (dtks/core/idempotency.py, the public channel's) is the rendered form's key
    plus the content's fingerprint: a double submit of the same form is one item and one receipt; a
    changed or new form is a new item.

    One open application per applicant NIK (docs/decisions.md): when the applicant's NIK already has a
    self-registration waiting for its verifier, the new item is its next version (`application`) and
    the earlier one is superseded by the system actor through the item's transition service, with
    the reason naming the new version. The citizen's answer is the same either way (a new receipt).

    Raises `NikMismatch` when a person's birth date or sex contradicts their own NIK, unless the
    citizen confirmed the data (`nik_confirmed`): the page and the API show the same warnings.
    """
    warnings = submission_nik_warnings(submission)
    if warnings and not nik_confirmed:
        raise NikMismatch(warnings)
    key = f"{form_key}:{submission.fingerprint()[:16]}"
    claim = idempotency_claim(scope="self_registration.submit", actor=None, key=key)
    if claim.replayed:
        return ProposalItem.objects.get(pk=claim.object_id), False
    nik = submission.persons[0].get("nik")
    earlier = None
    if nik:
        _lock_applicant(nik)
        earlier = open_version(nik)
    item = _new_item(submission, consent_at=consent_at, earlier=earlier)
    actor = SystemActor(SYSTEM_ACTOR)
    detail = {"persons": len(submission.persons), "verifier": item.verifier}
    write_created(
        [item],
        event="self_register",
        actor=actor,
        ip=ip,
        detail={item.pk: detail | ({"replaces": earlier.pk} if earlier else {})},
    )
    if earlier is not None:
        proposal_item_transition(
            item_id=earlier.pk,
            transition="supersede",
            actor=actor,
            reason=f"diganti versi baru #{item.pk}",
            detail={"replaced_by": item.pk},
            ip=ip,
        )
    # After the earlier version left `submitted`, so it is no duplicate of its own next version.
    findings = item_integrity_findings(item)
    if findings:
        item.findings = findings
        item.save(update_fields=["findings"])
    claim.answer(item.pk)
    return item, True


# --- staff reads --------------------------------------------------------------------------------------


def self_registrations_visible_to(*, user) -> QuerySet[ProposalItem]:
    """Self-registrations in the user's scope, with the applicant's name and NIK (`first_nama`,
    `first_nik`) and the person count."""
    return proposal_items_of_channel(user=user, channel=ProposalItem.Channel.SELF_REGISTRATION)
