"""Stage 1 data: the musyawarah, its proposal items, and the ProposalItem state machine that every
later stage drives (DESIGN.md §4). Transitions change state in memory only; services in
`proposals/services.py` lock the row, call them, save, and write history and audit rows."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from dtks.accounts.models import Role
from dtks.accounts.scope import in_scope


class Musyawarah(ConcurrentTransitionMixin, models.Model):
    """A village deliberation (musyawarah desa/kelurahan) and the proposals it produced."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draf"
        HELD = "held", "Terlaksana (notulen diunggah)"
        SUBMITTED = "submitted", "Diajukan ke kabupaten/kota"

    class Source(models.TextChoices):
        RT_RW = "RT_RW", "RT/RW"
        KEPALA_DUSUN = "KEPALA_DUSUN", "Kepala dusun"
        LURAH = "LURAH", "Lurah/kepala desa"
        PSKS = "PSKS", "PSKS"
        KANTOR_DESA = "KANTOR_DESA", "Warga yang mendaftar di kantor desa/kelurahan"

    village_code = models.CharField(max_length=10)
    held_on = models.DateField()
    place = models.CharField(max_length=200)
    led_by = models.CharField(max_length=150)
    attendee_count = models.PositiveIntegerField()
    attendee_names = models.TextField(blank=True)
    input_sources = ArrayField(models.CharField(max_length=20, choices=Source.choices), default=list)
    # Served only through scoped views (never from a public media URL).
    minutes = models.FileField(upload_to="musyawarah/%Y/%m/", blank=True)
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "musyawarah"
        verbose_name_plural = "musyawarah"
        indexes = [
            models.Index(
                fields=["village_code"], name="musyawarah_village", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"Musyawarah {self.village_code} {self.held_on:%Y-%m-%d}"

    def _operator(self, user) -> bool:
        return user.role == Role.VILLAGE_OPERATOR and in_scope(user, self.village_code)

    def has_minutes(self) -> bool:
        return bool(self.minutes)

    @transition(
        field=state, source=State.DRAFT, target=State.HELD, conditions=[has_minutes], permission=_operator
    )
    def hold(self):
        """The meeting took place: its minutes are uploaded."""

    @transition(field=state, source=State.HELD, target=State.SUBMITTED, permission=_operator)
    def submit(self):
        """Its draft items go to the regency (the service submits them in bulk)."""


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
SYSTEM = _roles()  # only the system actor (determination) — no user role


class ProposalItem(ConcurrentTransitionMixin, models.Model):
    """One family with its members, or one individual outside any family (DESIGN.md §4)."""

    class Kind(models.TextChoices):
        ADDITION = "addition", "Penambahan"
        DELETION = "deletion", "Penghapusan"
        REPLACEMENT = "replacement", "Penggantian"
        CORRECTION = "correction", "Perbaikan"
        TRANSFER = "transfer", "Perpindahan"

    class Channel(models.TextChoices):
        MUSYAWARAH = "musyawarah", "Musyawarah desa/kelurahan"
        SELF_REGISTRATION = "self_registration", "Pendaftaran mandiri"
        MINISTRY = "ministry", "Usulan Kementerian Sosial"
        REGENCY = "regency", "Usulan dinas sosial kabupaten/kota"
        REVERIFICATION = "reverification", "Verifikasi ulang Menteri"

    class Verifier(models.TextChoices):
        REGENCY = "regency", "Dinas sosial kabupaten/kota"
        MINISTRY = "ministry", "Kementerian Sosial"

    class State(models.TextChoices):
        DRAFT = "draft", "Draf"
        SUBMITTED = "submitted", "Diajukan"
        VERIFIED = "verified", "Terverifikasi"
        RETURNED_TO_VILLAGE = "returned_to_village", "Dikembalikan ke desa/kelurahan"
        REJECTED = "rejected", "Ditolak"
        REGENCY_APPROVED = "regency_approved", "Disahkan kabupaten/kota"
        FORWARDED = "forwarded", "Diteruskan provinsi"
        DISPUTED = "disputed", "Disanggah (penjaminan kualitas)"
        RETURNED_TO_REGENCY = "returned_to_regency", "Dikembalikan ke kabupaten/kota"
        IN_QA = "in_qa", "Dalam penjaminan kualitas"
        ACCEPTED = "accepted", "Diterima Kementerian"
        EXCLUDED = "excluded", "Dikeluarkan"
        DETERMINED = "determined", "Ditetapkan"
        WITHDRAWN = "withdrawn", "Ditarik"

    S = State
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    verifier = models.CharField(max_length=10, choices=Verifier.choices, default=Verifier.REGENCY)
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True)
    musyawarah = models.ForeignKey(
        Musyawarah, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
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
    override_reason = models.TextField(blank=True)
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
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
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
        """Findings allow a decision only with a recorded override reason (DESIGN.md §7)."""
        return not self.findings or bool(self.override_reason.strip())

    def verified_by_regency(self) -> bool:
        return self.verifier == self.Verifier.REGENCY

    def verified_by_ministry(self) -> bool:
        return self.verifier == self.Verifier.MINISTRY

    def proposed_by_village(self) -> bool:
        """Only a village's proposal goes back to the village to be fixed: a self-registration, a
        ministry proposal or the regency's own filing has nobody there who may change it (DESIGN.md
        §1.1: those channels never enter a musyawarah); the regency verifies or rejects them."""
        return self.channel == self.Channel.MUSYAWARAH

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
    def determine(self):
        """Applied in a determination period (DESIGN.md §5)."""


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
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "at", "id"]
        verbose_name = "riwayat usulan"
        verbose_name_plural = "riwayat usulan"

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_state} → {self.to_state}"


# -- spreadsheet import (proposals/importing.py) ----------------------------------------------------


class ImportJob(ConcurrentTransitionMixin, models.Model):
    """One uploaded spreadsheet of a musyawarah: preview, then confirm, then items (DESIGN.md §6).

    The uploaded file is stored under a generated name; the name the user gave is shown only.
    Progress lives on this row, so the page polls it and a restarted worker resumes from it.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Diunggah (sedang diperiksa)"
        PREVIEWED = "previewed", "Pratinjau siap"
        IMPORTING = "importing", "Sedang diimpor"
        DONE = "done", "Selesai"
        CANCELLED = "cancelled", "Dibatalkan"
        FAILED = "failed", "Gagal"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    musyawarah = models.ForeignKey(Musyawarah, on_delete=models.PROTECT, related_name="import_jobs")
    # The musyawarah's village, stored: every scope check reads this indexed column.
    village_code = models.CharField(max_length=10)
    stored_name = models.CharField(max_length=64, unique=True)  # generated; never the user's name
    original_name = models.CharField(max_length=255, blank=True)  # shown only
    file_format = models.CharField(max_length=4, choices=Format.choices)
    file_size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    status = FSMField(default=Status.UPLOADED, choices=Status.choices, protected=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    items_total = models.PositiveIntegerField(default=0)
    items_new = models.PositiveIntegerField(default=0)
    items_existing = models.PositiveIntegerField(default=0)
    items_blocked = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)
    groups_done = models.PositiveIntegerField(default=0)
    # The last staged item written (its id): a resumed run continues after it.
    cursor_item_id = models.BigIntegerField(default=0)
    # Rows the preview staged for the run (ImportStageRow); a stage found empty is rebuilt from the file.
    stage_rows = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)
    # An API upload's Idempotency-Key, as "<user id>:<key>": the same upload retried is the same job.
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "impor berkas"
        verbose_name_plural = "impor berkas"
        indexes = [
            models.Index(
                fields=["village_code"], name="import_job_village", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["status", "updated_at"], name="import_job_status"),
        ]

    def __str__(self) -> str:
        return f"Impor #{self.pk} ({self.get_status_display()})"

    def _operator(self, user) -> bool:
        return user.role == Role.VILLAGE_OPERATOR and in_scope(user, self.village_code)

    @property
    def running(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.IMPORTING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        # Groups a run goes through: the new ones and those an earlier import already wrote.
        groups = self.items_total - self.items_blocked
        return min(99, int(100 * self.groups_done / groups)) if groups > 0 else 0

    @transition(field=status, source=Status.UPLOADED, target=Status.PREVIEWED)
    def preview(self):
        """Read and checked: the rows and their errors are on ImportRow (system step)."""

    @transition(field=status, source=Status.PREVIEWED, target=Status.IMPORTING, permission=_operator)
    def confirm(self):
        """The operator imports the valid items."""

    @transition(field=status, source=Status.IMPORTING, target=Status.DONE)
    def finish(self):
        """Every valid item written (system step)."""

    @transition(
        field=status,
        source=[Status.UPLOADED, Status.PREVIEWED],
        target=Status.CANCELLED,
        permission=_operator,
    )
    def cancel(self):
        """Nothing is saved."""

    @transition(field=status, source=[Status.UPLOADED, Status.IMPORTING], target=Status.FAILED)
    def fail(self):
        """The file cannot be read (system step); the message says why."""


class ImportRow(models.Model):
    """A row of a group that has an error, after set-based validation: its normalised values and
    per-field errors (none for the group's good rows), kept durably so the operator can fix it.

    Rows are grouped into items by `group_key` (the natural key: no_kk, else NIK); a group with a
    bad row is held back until it is fixed. The rows of groups with no error are ImportStageRow.
    Once the import is done the valid rows are deleted; the rows with errors stay for the operator.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_no = models.PositiveIntegerField()
    group_key = models.CharField(max_length=200)
    ok = models.BooleanField()
    errors = models.JSONField(default=list, blank=True)  # [{"field", "code", "message"}]
    # As written in the file when the row has errors (any length), else 16 digits; NULL: empty.
    nik = models.TextField(null=True, blank=True)  # noqa: DJ001
    no_kk = models.TextField(null=True, blank=True)  # noqa: DJ001
    nama = models.TextField(blank=True)
    tempat_lahir = models.TextField(blank=True)
    tanggal_lahir = models.DateField(null=True, blank=True)
    jenis_kelamin = models.CharField(max_length=40, blank=True)
    status_perkawinan = models.CharField(max_length=40, blank=True)
    hubungan_keluarga = models.CharField(max_length=40, blank=True)
    village_code = models.CharField(max_length=10, blank=True)
    rt = models.CharField(max_length=3, blank=True)
    rw = models.CharField(max_length=3, blank=True)
    alamat = models.TextField(blank=True)
    kategori = models.CharField(max_length=40, blank=True)
    kriteria = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    disabilitas = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    program = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    house = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "baris impor"
        verbose_name_plural = "baris impor"
        constraints = [models.UniqueConstraint(fields=["job", "row_no"], name="import_row_unique")]
        indexes = [models.Index(fields=["job", "group_key"], name="import_row_group")]

    def __str__(self) -> str:
        return f"Impor {self.job_id} baris {self.row_no}"


class ImportStageRow(models.Model):
    """A valid row of a previewed import, staged for the run: one person of an item, its position.

    Rows of groups with no error go here, in the shape the run writes (proposals/importing.py); the rows
    of groups with an error stay in ImportRow, where the operator fixes them. The table is UNLOGGED
    (migration 0005): written once and read once, it is a cache of the stored file — PostgreSQL
    empties it after a crash, and the import rebuilds it from the file and ImportRow.
    """

    pk = models.CompositePrimaryKey("job_id", "item_id", "position")
    job_id = models.BigIntegerField()  # no foreign key: the rows live and die with their job's stage
    # The id the item will have, drawn from its sequence at the preview, in group-key order: the run
    # writes the items in this order and keys their integrity findings by it.
    item_id = models.BigIntegerField()
    position = models.SmallIntegerField()  # 0 is the head (KEPALA KELUARGA), else the first row
    members = models.SmallIntegerField()  # rows of the item
    heads = models.SmallIntegerField()  # rows of the item that are its head, in a family with a KK
    row_no = models.IntegerField()
    # Text columns without length limits: the preview's validation has checked the lengths, and an
    # unchecked text column costs nothing to write.
    group_key = models.TextField()
    nik = models.TextField(null=True)  # noqa: DJ001 — NULL means NIK_PENDING
    nama = models.TextField()
    tempat_lahir = models.TextField()
    tanggal_lahir = models.DateField(null=True)
    jenis_kelamin = models.TextField()
    status_perkawinan = models.TextField()
    hubungan_keluarga = models.TextField()
    kategori = models.TextField()
    kriteria = ArrayField(models.TextField())
    disabilitas = ArrayField(models.TextField())
    program = ArrayField(models.TextField())
    village_code = models.TextField()
    no_kk = models.TextField(null=True)  # noqa: DJ001
    rt = models.TextField()
    rw = models.TextField()
    alamat = models.TextField()
    status_kepemilikan = models.TextField()
    atap = models.TextField()
    dinding = models.TextField()
    lantai = models.TextField()
    sumber_air_minum = models.TextField()
    penerangan = models.TextField()
    fasilitas_bab = models.TextField()

    class Meta:
        verbose_name = "baris impor siap tulis"
        verbose_name_plural = "baris impor siap tulis"

    def __str__(self) -> str:
        return f"Impor {self.job_id} usulan {self.item_id} orang {self.position}"
