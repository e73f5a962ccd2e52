"""The ProposalItem and its one state machine (docs/design.md §4), with the persons it proposes and its
history. Transitions change state in memory only; the services of `proposals.item` lock the row,
call them, save, and write history and audit rows (proposals/item/transitions.py)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from dtks.accounts.models import Role
from dtks.accounts.scope import in_scope


def _roles(*roles, proposer_side: bool = False):
    def check(item: "ProposalItem", user) -> bool:
        if user.role not in roles:
            return False
        if in_scope(user, item.village_code):
            return True
        # The arrival half of a transfer lives in the destination village (whose regency verifies
        # it), but the proposer is the origin: its proposer-side steps follow the departure half.
        return proposer_side and item.is_transfer_arrival() and in_scope(user, item.pair.village_code)

    check.roles = frozenset(roles)  # type: ignore[attr-defined]
    return check


PROPOSER = _roles(
    Role.VILLAGE_OPERATOR, Role.REGENCY_VERIFIER, Role.MINISTRY_DATA_OFFICER, proposer_side=True
)
VILLAGE = _roles(Role.VILLAGE_OPERATOR, proposer_side=True)
REGENCY = _roles(Role.REGENCY_VERIFIER)
SUPERVISOR = _roles(Role.REGENCY_SUPERVISOR)
PROVINCE = _roles(Role.PROVINCE_OFFICER)
MINISTRY = _roles(Role.MINISTRY_DATA_OFFICER)


def SYSTEM(item: "ProposalItem", user) -> bool:
    """Only a system actor (dtks.audit.services.SystemActor): the determination's compute, or the
    self-registration channel superseding an earlier version."""
    return getattr(user, "is_system", False)


SYSTEM.roles = frozenset()  # type: ignore[attr-defined]


class ProposalItem(ConcurrentTransitionMixin, models.Model):
    """One family with its members, or one individual outside any family (docs/design.md §4)."""

    class Kind(models.TextChoices):
        ADDITION = "addition", _("Penambahan")
        DELETION = "deletion", _("Penghapusan")
        REPLACEMENT = "replacement", _("Penggantian")
        CORRECTION = "correction", _("Perbaikan")
        TRANSFER = "transfer", _("Perpindahan")

    class Channel(models.TextChoices):
        MUSYAWARAH = "musyawarah", _("Musyawarah desa/kelurahan")
        SELF_REGISTRATION = "self_registration", _("Pendaftaran mandiri")
        MINISTRY = "ministry", _("Usulan Kementerian Sosial")
        REGENCY = "regency", _("Usulan dinas sosial kabupaten/kota")
        REVERIFICATION = "reverification", _("Verifikasi ulang Menteri")

    class Verifier(models.TextChoices):
        REGENCY = "regency", _("Dinas sosial kabupaten/kota")
        MINISTRY = "ministry", _("Kementerian Sosial")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draf")
        SUBMITTED = "submitted", _("Diajukan")
        VERIFIED = "verified", _("Terverifikasi")
        RETURNED_TO_VILLAGE = "returned_to_village", _("Dikembalikan ke desa/kelurahan")
        REJECTED = "rejected", _("Ditolak")
        REGENCY_APPROVED = "regency_approved", _("Disahkan kabupaten/kota")
        FORWARDED = "forwarded", _("Diteruskan provinsi")
        DISPUTED = "disputed", _("Disanggah (penjaminan kualitas)")
        RETURNED_TO_REGENCY = "returned_to_regency", _("Dikembalikan ke kabupaten/kota")
        IN_QA = "in_qa", _("Dalam penjaminan kualitas")
        ACCEPTED = "accepted", _("Diterima Kementerian")
        EXCLUDED = "excluded", _("Dikeluarkan")
        DETERMINED = "determined", _("Ditetapkan")
        WITHDRAWN = "withdrawn", _("Ditarik")

    S = State
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    verifier = models.CharField(max_length=10, choices=Verifier.choices, default=Verifier.REGENCY)
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True)
    musyawarah = models.ForeignKey(
        "proposals.Musyawarah", null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    # The origin village: every scope check reads this stored, indexed column.
    village_code = models.CharField(max_length=10)
    # A replacement or transfer is two linked items; each follows its own path.
    pair = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The determined record a deletion, correction, replacement-out or transfer-out concerns.
    target_family_id = models.BigIntegerField(null=True, blank=True)
    target_person_id = models.BigIntegerField(null=True, blank=True)
    deletion_reason = models.CharField(max_length=40, blank=True)
    ministry_reason = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    # Family-level proposed content (empty for an individual outside any family).
    no_kk = models.CharField(max_length=16, blank=True)
    rt = models.CharField(max_length=3, blank=True)
    rw = models.CharField(max_length=3, blank=True)
    alamat = models.CharField(max_length=255, blank=True)
    house = models.JSONField(default=dict, blank=True)
    # Integrity findings of the per-item engine, stored with the item and shown to staff.
    findings = models.JSONField(default=list, blank=True)
    # When a re-check of every enabled rule last stored `findings` (the assessment's, docs/design.md §7,
    # "Checking again"); NULL: they are as the item's last save computed them.
    findings_checked_at = models.DateTimeField(null=True, blank=True)
    # Why a decision passed the findings: one reason per overridden rule, {"DUPLICATE_NIK": "…"}.
    overrides = models.JSONField(default=dict, blank=True)
    # Why the item last came back (returned, rejected, QA decision): the village sees it.
    last_reason = models.TextField(blank=True)
    ever_returned_to_regency = models.BooleanField(default=False)
    determined_period = models.DateField(null=True, blank=True)
    # For a correction: {"field": [old, new]} per changed field (person fields under "persons").
    diff = models.JSONField(default=dict, blank=True)
    # Self-registration: the citizen's receipt, contact and explicit consent (UU 27/2022).
    receipt_code = models.CharField(max_length=20, null=True, blank=True, unique=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    # Self-registration: the first version of the citizen's application when this item is a later
    # one — the same applicant NIK sent again while an earlier version was still `submitted`, which
    # the system actor then superseded (`supersede`). NULL for a first version and for other channels.
    application = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="later_versions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What a spreadsheet import wrote this item for: its KK, else an individual's NIK (else name and
    # birth date). Unique per musyawarah and kind, so a re-saved file or a replayed chunk adds nothing.
    natural_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 — NULL: not imported
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "usulan"
        verbose_name_plural = "usulan"
        indexes = [
            models.Index(fields=["village_code"], name="item_village", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["state", "village_code"], name="item_state_village"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["musyawarah", "natural_key", "kind"],
                condition=models.Q(natural_key__isnull=False),
                name="item_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"

    def is_transfer_arrival(self) -> bool:
        """The addition half of a transfer (the departure half names the record it removes)."""
        return (
            self.kind == self.Kind.TRANSFER
            and self.pair_id is not None
            and self.target_family_id is None
            and self.target_person_id is None
        )

    # -- conditions (cheap, in memory) ------------------------------------------------------------
    def findings_cleared(self) -> bool:
        """Findings allow a decision only with a recorded reason for every rule found (docs/design.md
        §7): `overrides` maps each rule to why the item passes anyway."""
        overrides = self.overrides or {}
        return all(str(overrides.get(f.get("rule"), "")).strip() for f in self.findings or [])

    def verified_by_regency(self) -> bool:
        return self.verifier == self.Verifier.REGENCY

    def verified_by_ministry(self) -> bool:
        return self.verifier == self.Verifier.MINISTRY

    def proposed_by_village(self) -> bool:
        """Only a village's proposal goes back to the village to be fixed: a self-registration, a
        ministry proposal or the regency's own filing has nobody there who may change it (docs/design.md
        §1.1: those channels never enter a musyawarah); the regency verifies or rejects them."""
        return self.channel == self.Channel.MUSYAWARAH

    def self_registered(self) -> bool:
        """A citizen's self-registration: the only item a newer version of the same application
        replaces (docs/decisions.md)."""
        return self.channel == self.Channel.SELF_REGISTRATION

    def failed_again_after_correction(self) -> bool:
        return self.ever_returned_to_regency

    def has_nik_for_everyone(self) -> bool:
        return not any(f.get("rule") == "NIK_PENDING" for f in self.findings)

    # -- stage 1: proposal ------------------------------------------------------------------------
    @transition(field=state, source=S.DRAFT, target=S.SUBMITTED, permission=PROPOSER)
    def submit(self):
        """Draft → submitted (a musyawarah's items together, or a regency/ministry filing)."""

    @transition(field=state, source=[S.DRAFT, S.SUBMITTED], target=S.WITHDRAWN, permission=PROPOSER)
    def withdraw(self):
        """By the proposer, before the regency decides."""

    @transition(
        field=state, source=S.SUBMITTED, target=S.WITHDRAWN, conditions=[self_registered], permission=SYSTEM
    )
    def supersede(self):
        """A self-registration replaced by a newer version of the same application (the applicant's
        NIK sent again before the verifier decided): withdrawn by the channel's system actor, with
        the reason naming the new version, so the verifier decides once, on the newest."""

    @transition(field=state, source=S.RETURNED_TO_VILLAGE, target=S.SUBMITTED, permission=VILLAGE)
    def resubmit(self):
        """The village fixed what the regency returned."""

    @transition(
        field=state, source=[S.RETURNED_TO_VILLAGE, S.REJECTED], target=S.DISPUTED, permission=VILLAGE
    )
    def dispute_by_village(self):
        """The village disagrees with the regency: a QA case follows."""

    # -- stage 2: verification and validation (regency) -------------------------------------------
    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.VERIFIED,
        conditions=[verified_by_regency, findings_cleared],
        permission=REGENCY,
    )
    def verify(self):
        """As is, or corrected (the diff is stored by the verification stage)."""

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.RETURNED_TO_VILLAGE,
        conditions=[verified_by_regency, proposed_by_village],
        permission=REGENCY,
    )
    def return_to_village(self):
        """Back to the village with a reason."""

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.REJECTED,
        conditions=[verified_by_regency],
        permission=REGENCY,
    )
    def reject(self):
        """Refused by the regency with a reason."""

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.REJECTED,
        conditions=[verified_by_ministry],
        permission=MINISTRY,
    )
    def reject_by_ministry(self):
        """Refused by the ministry, for an item it verifies itself, with a reason."""

    @transition(field=state, source=S.VERIFIED, target=S.REGENCY_APPROVED, permission=SUPERVISOR)
    def approve_in_submission(self):
        """Part of a regency submission signed by the head of the Dinas Sosial."""

    @transition(field=state, source=S.RETURNED_TO_REGENCY, target=S.VERIFIED, permission=REGENCY)
    def correct_after_return(self):
        """The regency corrected what the ministry returned; the same path follows again."""

    # -- province ----------------------------------------------------------------------------------
    @transition(field=state, source=S.REGENCY_APPROVED, target=S.FORWARDED, permission=PROVINCE)
    def forward(self):
        """Forwarded by the province to the minister."""

    @transition(field=state, source=S.REGENCY_APPROVED, target=S.DISPUTED, permission=PROVINCE)
    def dispute_by_province(self):
        """Province and regency disagree: a QA case follows; the item stays behind."""

    # -- QA decision recorded by the ministry ------------------------------------------------------
    @transition(field=state, source=S.DISPUTED, target=S.ACCEPTED, permission=MINISTRY)
    def qa_accept(self):
        """The ministry's decision on the QA report: accept."""

    @transition(field=state, source=S.DISPUTED, target=S.EXCLUDED, permission=MINISTRY)
    def qa_exclude(self):
        """The ministry's decision on the QA report: exclude."""

    @transition(field=state, source=S.DISPUTED, target=S.VERIFIED, permission=MINISTRY)
    def qa_back_to_regency(self):
        """The ministry's decision on the QA report: the regency corrects it."""

    # -- stage 4: assessment (ministry data unit) --------------------------------------------------
    @transition(
        field=state, source=S.FORWARDED, target=S.ACCEPTED, conditions=[findings_cleared], permission=MINISTRY
    )
    def accept(self):
        """Passes the integrity criteria (or their findings are overridden with a reason)."""

    @transition(field=state, source=S.FORWARDED, target=S.RETURNED_TO_REGENCY, permission=MINISTRY)
    def return_to_regency(self):
        """Fails assessment: back to the regency for correction."""
        self.ever_returned_to_regency = True

    @transition(
        field=state,
        source=S.FORWARDED,
        target=S.IN_QA,
        conditions=[failed_again_after_correction],
        permission=MINISTRY,
    )
    def send_to_qa(self):
        """Fails again after correction: the ministry chooses quality assurance."""

    @transition(field=state, source=S.IN_QA, target=S.ACCEPTED, permission=MINISTRY)
    def qa_in_accept(self):
        """Accepted after quality assurance."""

    @transition(field=state, source=S.IN_QA, target=S.EXCLUDED, permission=MINISTRY)
    def qa_in_exclude(self):
        """Excluded after quality assurance."""

    @transition(field=state, source=S.IN_QA, target=S.VERIFIED, permission=MINISTRY)
    def qa_in_back_to_regency(self):
        """After quality assurance, back to the regency to correct it (as from a dispute)."""

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.ACCEPTED,
        conditions=[verified_by_ministry, findings_cleared],
        permission=MINISTRY,
    )
    def accept_direct(self):
        """Items the ministry verifies itself go straight from submitted to accepted."""

    # -- stage 5: determination (system actor only) ------------------------------------------------
    @transition(
        field=state,
        source=S.ACCEPTED,
        target=S.DETERMINED,
        conditions=[has_nik_for_everyone],
        permission=SYSTEM,
    )
    def determine(self, period=None):
        """Applied in a determination period (docs/design.md §5)."""
        self.determined_period = period

    @transition(field=state, source=S.ACCEPTED, target=S.RETURNED_TO_REGENCY, permission=SYSTEM)
    def refuse_at_determination(self):
        """The determination's compute refuses it (a blocking finding): back to the regency, with the
        reason, as a failed assessment would send it."""
        self.ever_returned_to_regency = True


# The decided states a second, different decision is refused from as "already decided".
DECIDED_STATES = frozenset(
    {
        ProposalItem.State.VERIFIED,
        ProposalItem.State.RETURNED_TO_VILLAGE,
        ProposalItem.State.REJECTED,
        ProposalItem.State.ACCEPTED,
        ProposalItem.State.EXCLUDED,
        ProposalItem.State.RETURNED_TO_REGENCY,
        ProposalItem.State.FORWARDED,
        ProposalItem.State.DETERMINED,
        ProposalItem.State.WITHDRAWN,
    }
)


class ProposalPerson(models.Model):
    """A person of a proposal item: a family member, or the one individual outside any family."""

    item = models.ForeignKey(ProposalItem, on_delete=models.CASCADE, related_name="persons")
    position = models.PositiveSmallIntegerField(default=0)
    target_person_id = models.BigIntegerField(null=True, blank=True)
    nik = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001 — NULL means NIK_PENDING
    nama = models.CharField(max_length=150, blank=True)
    tempat_lahir = models.CharField(max_length=100, blank=True)
    tanggal_lahir = models.DateField(null=True, blank=True)
    jenis_kelamin = models.CharField(max_length=1, blank=True)
    status_perkawinan = models.CharField(max_length=40, blank=True)
    hubungan_keluarga = models.CharField(max_length=40, blank=True)
    kategori = models.CharField(max_length=40, blank=True)
    kriteria = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    disabilitas = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    program = ArrayField(models.CharField(max_length=40), default=list, blank=True)

    class Meta:
        ordering = ["item", "position"]
        verbose_name = "orang dalam usulan"
        verbose_name_plural = "orang dalam usulan"
        indexes = [models.Index(fields=["nik"], name="proposal_person_nik")]

    def __str__(self) -> str:
        return f"{self.nama} (usulan {self.item_id})"


class ProposalItemHistory(models.Model):
    """Every transition of an item with its reason: what the village reads when an item comes back."""

    item = models.ForeignKey(ProposalItem, on_delete=models.PROTECT, related_name="history")
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=24)
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    # What the deciding stage adds (proposals/item/machine.py: history_detail): always its `stage`;
    # then e.g. the overridden rules, its decision's id, a link, a correction's diff.
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "at", "id"]
        verbose_name = "riwayat usulan"
        verbose_name_plural = "riwayat usulan"

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_state} → {self.to_state}"


# Items still open: a second item on the same determined record is refused while one of these exists.
OPEN_STATES = frozenset(
    {
        ProposalItem.State.DRAFT,
        ProposalItem.State.SUBMITTED,
        ProposalItem.State.RETURNED_TO_VILLAGE,
        ProposalItem.State.VERIFIED,
        ProposalItem.State.REGENCY_APPROVED,
        ProposalItem.State.FORWARDED,
        ProposalItem.State.DISPUTED,
        ProposalItem.State.RETURNED_TO_REGENCY,
        ProposalItem.State.IN_QA,
        ProposalItem.State.ACCEPTED,
    }
)


EDITABLE_STATES = frozenset({ProposalItem.State.DRAFT, ProposalItem.State.RETURNED_TO_VILLAGE})
