"""The verification stage's records (docs/design.md §3, "Where the verification stage's code goes"):
they sit next to the proposal items and point at them by key; an item is never given a field."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from dtks.accounts.models import Role
from dtks.accounts.scope import in_scope
from proposals.item import ProposalItem


class DecisionKind(models.TextChoices):
    VERIFY = "verify", "Verifikasi sesuai usulan"
    VERIFY_CORRECTED = "verify_corrected", "Verifikasi dengan perbaikan"
    RETURN = "return", "Kembalikan ke desa/kelurahan"
    REJECT = "reject", "Tolak"


# The item machine's transition each decision fires (proposals.item).
TRANSITION_OF = {
    DecisionKind.VERIFY: "verify",
    DecisionKind.VERIFY_CORRECTED: "verify",
    DecisionKind.RETURN: "return_to_village",
    DecisionKind.REJECT: "reject",
}


# An item the ministry returned to the regency is corrected (or confirmed as it is) and goes back into
# the next submission: the machine's `correct_after_return`, whichever of these is chosen. Returning it
# to the village or rejecting it is no longer the regency's step (docs/verification.md, "Returned by
# the ministry").
RETURNED_DECISIONS = (DecisionKind.VERIFY, DecisionKind.VERIFY_CORRECTED)


class RejectReason(models.TextChoices):
    NOT_ELIGIBLE = "tidak_memenuhi_kriteria", "Tidak memenuhi kriteria"
    DUPLICATE = "data_ganda", "Data ganda"
    DECEASED = "meninggal", "Meninggal dunia"
    MOVED = "pindah", "Pindah domisili"
    NOT_FOUND = "tidak_ditemukan", "Tidak ditemukan saat kunjungan"
    OTHER = "lainnya", "Lainnya"


class VervalDecision(models.Model):
    """One decision of the regency verifier on one item: what was decided, why, which findings were
    overridden with which reason, and — for a verification with corrections — the diff."""

    item = models.ForeignKey(ProposalItem, on_delete=models.PROTECT, related_name="verval_decisions")
    decision = models.CharField(max_length=20, choices=DecisionKind.choices)
    reason = models.TextField(blank=True)
    reason_code = models.CharField(max_length=32, choices=RejectReason.choices, blank=True)
    note = models.TextField(blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    diff = models.JSONField(default=dict, blank=True)
    bulk = models.ForeignKey("BulkDecision", null=True, blank=True, on_delete=models.SET_NULL)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "keputusan verval"
        verbose_name_plural = "keputusan verval"
        indexes = [models.Index(fields=["item", "-decided_at"], name="verval_decision_item")]

    def __str__(self) -> str:
        return f"#{self.item_id} {self.decision}"


class BulkDecision(ConcurrentTransitionMixin, models.Model):
    """One bulk decision over many items; a large one runs as a Celery task and the page polls it.

    Its status changes only through the transitions below, called by verification/services.py
    (`verval_bulk_run`) with an audit row each; the progress (`done`, `changed`, `skipped`) is a plain
    update per chunk.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Menunggu"
        RUNNING = "running", "Sedang diproses"
        DONE = "done", "Selesai"
        FAILED = "failed", "Gagal"

    decision = models.CharField(max_length=20, choices=DecisionKind.choices)
    reason = models.TextField(blank=True)
    reason_code = models.CharField(max_length=32, choices=RejectReason.choices, blank=True)
    note = models.TextField(blank=True)
    item_ids = models.JSONField(default=list)
    status = FSMField(max_length=10, choices=Status.choices, default=Status.PENDING, protected=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.JSONField(default=list, blank=True)
    skipped = models.JSONField(default=dict, blank=True)  # {item id: reason}
    error_message = models.TextField(blank=True)
    region_code = models.CharField(max_length=10, blank=True)  # the actor's region, for scope
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "keputusan massal verval"
        verbose_name_plural = "keputusan massal verval"

    def __str__(self) -> str:
        return f"{self.decision} ×{self.total}"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    @transition(field=status, source=Status.PENDING, target=Status.RUNNING)
    def start(self):
        """The run begins (system step). A run resumed after a dead worker is `running` already:
        no transition."""

    @transition(field=status, source=Status.RUNNING, target=Status.DONE)
    def finish(self):
        """Every item decided or skipped (system step)."""

    @transition(field=status, source=[Status.PENDING, Status.RUNNING], target=Status.FAILED)
    def fail(self):
        """The run stopped on an error (system step); the message says why. Chunks written stay."""


BULK_DECISION_CHOICES = [
    (k.value, k.label) for k in (DecisionKind.VERIFY, DecisionKind.RETURN, DecisionKind.REJECT)
]


class RegencySubmission(ConcurrentTransitionMixin, models.Model):
    """The regency's submission of its verified items to the province (docs/design.md §4, "The other
    machines"): gathered (`open`), signed off by the head of the Dinas Sosial with the regent's or
    mayor's approval letter (`signed`, its items then `regency_approved`), sent to the province
    (`sent`), and `forwarded` once the province has dealt with every item — forwarded to the ministry
    or disputed (verification/province.py). The items are frozen when gathered; items verified later
    wait for the next submission. Its recap PDF is generated when it is signed and kept with its
    SHA-256."""

    class State(models.TextChoices):
        OPEN = "open", _("Disusun")
        SIGNED = "signed", _("Disahkan kepala dinas")
        SENT = "sent", _("Dikirim ke provinsi")
        FORWARDED = "forwarded", _("Diteruskan ke Kementerian Sosial")

    regency_code = models.CharField(max_length=4)
    number = models.PositiveIntegerField()  # per regency: 1, 2, 3, …
    state = FSMField(default=State.OPEN, choices=State.choices, protected=True)
    item_count = models.PositiveIntegerField(default=0)
    letter = models.FileField(upload_to="pengajuan/surat/%Y/%m/", blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)
    letter_number = models.CharField(max_length=100, blank=True)
    letter_date = models.DateField(null=True, blank=True)
    recap = models.FileField(upload_to="pengajuan/rekap/%Y/%m/", blank=True)
    recap_sha256 = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # The province officer whose step left no item waiting (the submission's automatic `forward`).
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    forwarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "pengajuan kabupaten/kota"
        verbose_name_plural = "pengajuan kabupaten/kota"
        constraints = [
            models.UniqueConstraint(fields=["regency_code", "number"], name="submission_regency_number"),
            # One submission being gathered per regency: gathering again adds to it.
            models.UniqueConstraint(
                fields=["regency_code"], condition=models.Q(state="open"), name="submission_one_open"
            ),
        ]
        indexes = [
            models.Index(
                fields=["regency_code"], name="submission_regency", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"Pengajuan {self.regency_code}-{self.number}"

    @property
    def label(self) -> str:
        return f"{self.regency_code}/{self.number}"

    def is_supervisor(self, user) -> bool:
        return user.role == Role.REGENCY_SUPERVISOR and in_scope(user, self.regency_code)

    def has_letter(self) -> bool:
        return bool(self.letter) and bool(self.letter_number) and self.letter_date is not None

    def has_items(self) -> bool:
        return self.item_count > 0

    @transition(
        field=state,
        source=State.OPEN,
        target=State.SIGNED,
        permission=is_supervisor,
        conditions=[has_letter, has_items],
    )
    def sign(self):
        """The head of the Dinas Sosial signs it off with the regent's/mayor's letter; the service moves
        its items to `regency_approved` in the same transaction."""

    @transition(field=state, source=State.SIGNED, target=State.SENT, permission=is_supervisor)
    def send(self):
        """Sent to the province, which forwards it (issue 16)."""

    def is_province_officer(self, user) -> bool:
        return user.role == Role.PROVINCE_OFFICER and in_scope(user, self.regency_code)

    def nothing_waiting(self) -> bool:
        # `waiting_items` is counted in SQL by the service (verification/province.py) just before it
        # fires `forward`; unset, the condition fails.
        return getattr(self, "waiting_items", None) == 0

    @transition(
        field=state,
        source=State.SENT,
        target=State.FORWARDED,
        permission=is_province_officer,
        conditions=[nothing_waiting],
    )
    def forward(self):
        """Taken automatically by the province's forward or dispute step that leaves none of the items
        `regency_approved`: each is forwarded to the ministry or disputed."""


class SubmissionItem(models.Model):
    """One item of a regency submission (an item may be in several over its life: after the ministry
    returns it and the regency corrects it, it is submitted again)."""

    submission = models.ForeignKey(RegencySubmission, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ProposalItem, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "usulan dalam pengajuan"
        verbose_name_plural = "usulan dalam pengajuan"
        constraints = [models.UniqueConstraint(fields=["submission", "item"], name="submission_item_once")]

    def __str__(self) -> str:
        return f"{self.submission_id}: #{self.item_id}"


# ---- field visits (issue 15; docs/verification.md, "Field visits") --------------------------------------


class Prelist(models.Model):
    """The families of one village to visit, drawn up by its regency and assigned to field officers
    of that village: items in the verval queue that need a visit, and registry families chosen for
    re-verification. Downloadable for paper work; its page works offline on the officer's phone."""

    village_code = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "prelist kunjungan"
        verbose_name_plural = "prelist kunjungan"
        indexes = [
            models.Index(fields=["village_code"], name="prelist_village", opclasses=["varchar_pattern_ops"])
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.village_code})"


class PrelistEntry(models.Model):
    """One family (or individual) of a prelist: a proposal item, or a registry family."""

    class Reason(models.TextChoices):
        VERVAL = "verval", _("Usulan dalam antrean verval")
        REVERIFY = "reverifikasi", _("Verifikasi ulang data registri")

    prelist = models.ForeignKey(Prelist, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ProposalItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    family_id = models.BigIntegerField(null=True, blank=True)  # a registry family (dtks.registry)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # What the paper list and the offline page show, copied when the prelist is drawn up: the head's
    # name, the masked KK, the address (no NIK).
    nama = models.CharField(max_length=200, blank=True)
    no_kk_masked = models.CharField(max_length=20, blank=True)
    alamat = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "keluarga dalam prelist"
        verbose_name_plural = "keluarga dalam prelist"
        ordering = ["prelist", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(item__isnull=False, family_id__isnull=True)
                | models.Q(item__isnull=True, family_id__isnull=False),
                name="prelist_entry_item_or_family",
            ),
            models.UniqueConstraint(fields=["prelist", "item"], name="prelist_entry_item_once"),
            models.UniqueConstraint(fields=["prelist", "family_id"], name="prelist_entry_family_once"),
        ]

    def __str__(self) -> str:
        return f"{self.prelist_id}: {self.nama}"


class PhotoKind(models.TextChoices):
    """The photo checklist of a home visit, in the order the officer takes them."""

    FRONT = "depan", _("Tampak depan rumah")
    ROOF = "atap", _("Atap")
    WALLS = "dinding", _("Dinding")
    FLOOR = "lantai", _("Lantai")
    KITCHEN = "dapur", _("Dapur")
    TOILET = "jamban", _("Jamban/kamar mandi")
    KK = "kk", _("Kartu Keluarga")
    KTP = "ktp", _("KTP kepala keluarga")
    HEAD = "kepala", _("Kepala keluarga")


class FieldVisit(models.Model):
    """One home visit by a field officer: date, GPS with its accuracy, the house survey, a note and
    the photos. Recorded on the phone (offline if need be) and uploaded once: `client_key`, made by
    the phone per visit, makes a replayed upload harmless."""

    entry = models.ForeignKey(PrelistEntry, on_delete=models.PROTECT, related_name="visits")
    item = models.ForeignKey(ProposalItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    family_id = models.BigIntegerField(null=True, blank=True)
    village_code = models.CharField(max_length=10)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client_key = models.UUIDField()
    visited_on = models.DateField()
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    house = models.JSONField(default=dict, blank=True)  # HOUSE_FIELDS codes as found
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "kunjungan lapangan"
        verbose_name_plural = "kunjungan lapangan"
        constraints = [
            models.UniqueConstraint(fields=["officer", "client_key"], name="visit_client_key_once")
        ]
        indexes = [
            models.Index(fields=["village_code"], name="visit_village", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["family_id"], name="visit_family"),
        ]

    def __str__(self) -> str:
        return f"Kunjungan {self.visited_on} ({self.village_code})"


class VisitPhoto(models.Model):
    """One photo of a visit, downscaled and stripped of its metadata (verification/photos.py); the GPS
    and time the camera wrote are kept here, never in the stored image. Served only by a scoped,
    logged view."""

    visit = models.ForeignKey(FieldVisit, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=10, choices=PhotoKind.choices)
    image = models.FileField(upload_to="kunjungan/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    exif_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    exif_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "foto kunjungan"
        verbose_name_plural = "foto kunjungan"
        constraints = [models.UniqueConstraint(fields=["visit", "kind"], name="visit_photo_kind_once")]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.kind}"
