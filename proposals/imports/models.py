"""The spreadsheet import's rows: the job, the rows with errors the operator fixes, and the staged valid
rows the run writes (proposals/imports/services.py)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from dtks.accounts.models import Role
from dtks.accounts.scope import in_scope


class ImportJob(ConcurrentTransitionMixin, models.Model):
    """One uploaded spreadsheet of a musyawarah: preview, then confirm, then items (docs/design.md §6).

    The uploaded file is stored under a generated name; the name the user gave is shown only.
    Progress lives on this row, so the page polls it and a restarted worker resumes from it.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Diunggah (sedang diperiksa)")
        PREVIEWED = "previewed", _("Pratinjau siap")
        IMPORTING = "importing", _("Sedang diimpor")
        DONE = "done", _("Selesai")
        CANCELLED = "cancelled", _("Dibatalkan")
        FAILED = "failed", _("Gagal")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("XLSX")

    musyawarah = models.ForeignKey(
        "proposals.Musyawarah", on_delete=models.PROTECT, related_name="import_jobs"
    )
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

    def is_operator(self, user) -> bool:
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

    @transition(field=status, source=Status.PREVIEWED, target=Status.IMPORTING, permission=is_operator)
    def confirm(self):
        """The operator imports the valid items."""

    @transition(field=status, source=Status.IMPORTING, target=Status.DONE)
    def finish(self):
        """Every valid item written (system step)."""

    @transition(
        field=status,
        source=[Status.UPLOADED, Status.PREVIEWED],
        target=Status.CANCELLED,
        permission=is_operator,
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

    Rows of groups with no error go here, in the shape the run writes (proposals/imports/services.py); the rows
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
