"""The civil registry (Dukcapil) as the integrity rule `CIVIL_REGISTRY_*` reads it (docs/civil_registry.md).

- `Settings`: which source answers (none, the loaded extract, a live HTTP service) and how names are
  compared. One row, edited by the administrator in the admin (audited).
- `Extract`: one loaded extract file — a generation. Exactly one is current; the loader makes the new one
  current in the transaction that wrote its rows, and removes generations older than the previous
  one, so a reader that resolved the previous generation a moment ago still finds all its rows.
- `CivilPerson`: the extract's rows, keyed by (generation, NIK).
- `ExtractError`: a row of an extract file refused (not loaded), by row and field.
- `HttpHealth`, `HttpAnswer`, `HttpQueue`: the live HTTP service's circuit breaker, its answers (what the
  set-based form joins on) and the NIKs waiting to be asked (dtks/civil/http.py).
- `Reconciliation`, `ReconciliationVillage`, `ReconciliationRow`: the registry persons whose data
  disagree with an extract generation, materialised once per generation (docs/civil_registry.md,
  "Reconciliation"), so a regency's page and download read an indexed table instead of re-running
  the national comparison.
"""

from django.conf import settings as django_settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

DEFAULT_TITLES = (
    "H, HJ, HAJI, HAJJAH, KH, DR, DRS, DRA, IR, PROF, dr, drg, S.Pd, S.Pd.I, S.E, S.H, S.Ag, S.Sos, "
    "S.Kom, S.Kep, S.Ked, S.T, S.Si, S.IP, S.Hut, S.Farm, S.Psi, M.Pd, M.Si, M.M, M.H, M.Kes, M.T, "
    "M.Ag, Amd, A.Md, A.Ma, Lc, ST, SE, SH, SPD, ALM, ALMH, ALMARHUM, ALMARHUMAH, NY, TN, SDR, SDRI"
)
DEFAULT_PATRONYMS = "BIN, BINTI, BT, BN"


class Settings(models.Model):
    """The one row of civil-registry configuration (pk = 1)."""

    class Source(models.TextChoices):
        NONE = "none", _("Tidak ada (aturan Dukcapil tidak berjalan)")
        EXTRACT = "extract", _("Ekstrak Dukcapil yang dimuat")
        HTTP = "http", _("Layanan verifikasi NIK (HTTP)")

    source = models.CharField(
        "sumber",
        max_length=8,
        choices=Source.choices,
        default=Source.NONE,
        help_text="Sumber data kependudukan untuk aturan CIVIL_REGISTRY_*. Tanpa sumber, aturan itu tidak berjalan.",
    )
    name_threshold = models.PositiveSmallIntegerField(
        "ambang kemiripan nama",
        default=88,
        help_text="0–100: dua nama dianggap sama bila kemiripannya (setelah dinormalkan) mencapai angka ini.",
    )
    titles = models.TextField(
        "gelar dan sapaan",
        default=DEFAULT_TITLES,
        help_text="Dipisah koma; dibuang dari nama sebelum dibandingkan (H., Hj., Dr., S.Pd., …).",
    )
    patronyms = models.CharField(
        "penanda nama ayah",
        max_length=200,
        default=DEFAULT_PATRONYMS,
        help_text="Dipisah koma; kata ini dan sisanya dibuang dari nama (bin/binti …).",
    )
    http_url = models.URLField(
        "alamat layanan HTTP",
        blank=True,
        help_text="Alamat layanan verifikasi NIK (JSON lewat HTTP); tokennya di variabel lingkungan "
        "DTKS_CIVIL_HTTP_TOKEN, tidak di sini.",
    )
    http_label = models.CharField(
        "nama layanan", max_length=200, blank=True, help_text="Ditampilkan bersama hasil pencocokan."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "pengaturan Dukcapil"
        verbose_name_plural = "pengaturan Dukcapil"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="civil_settings_one_row")]

    def __str__(self) -> str:
        return str(_("Pengaturan Dukcapil"))

    @classmethod
    def load(cls) -> "Settings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Extract(ConcurrentTransitionMixin, models.Model):
    """One loaded (or loading) extract file: a generation of `CivilPerson` rows.

    Its status changes only through the transitions below, each called by the loader or the upload's
    service (dtks/civil/loading.py, services.py) with an audit row; `progress` and the counts are
    plain updates. A superseded generation stays `done` with `current` false.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu dimuat")
        LOADING = "loading", _("Sedang dimuat")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    source = models.CharField("sumber ekstrak", max_length=200, help_text="Misalnya: Dukcapil Kab. Magelang.")
    extract_date = models.DateField("tanggal ekstrak")
    file_name = models.CharField("nama berkas", max_length=255, blank=True)  # shown only
    # An uploaded file, under a generated name (docs/security.md #7).
    stored_name = models.CharField("berkas tersimpan", max_length=64, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    status = FSMField("status", max_length=8, choices=Status.choices, default=Status.QUEUED, protected=True)
    progress = models.CharField("kemajuan", max_length=200, blank=True)
    error_message = models.TextField("pesan galat", blank=True)
    current = models.BooleanField("berlaku", default=False)
    rows_read = models.PositiveIntegerField("baris dibaca", default=0)
    rows_refused = models.PositiveIntegerField("baris ditolak", default=0)
    persons = models.PositiveIntegerField("baris dimuat", default=0)
    actor = models.CharField("pelaku", max_length=150)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="diunggah oleh",
    )
    created_at = models.DateTimeField("diunggah", auto_now_add=True)
    finished_at = models.DateTimeField("selesai dimuat", null=True, blank=True)
    # Touched at every step of an uploaded load, so a load whose worker died is found and run again
    # (dtks/civil/services.py, `civil_extracts_resume`).
    updated_at = models.DateTimeField("diperbarui", auto_now=True)
    # A reconciliation against this generation is queued or running (the page says so).
    reconciling = models.BooleanField("rekonsiliasi berjalan", default=False)

    class Meta:
        verbose_name = "ekstrak Dukcapil"
        verbose_name_plural = "ekstrak Dukcapil"
        constraints = [
            models.UniqueConstraint(
                fields=["current"], condition=models.Q(current=True), name="civil_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.extract_date:%Y-%m-%d})"

    def describe(self) -> dict:
        """What a match result says about where it came from."""
        return {
            "kind": "extract",
            "ref": self.pk,
            "label": self.source,
            "date": self.extract_date.isoformat(),
        }

    @transition(field=status, source=Status.QUEUED, target=Status.LOADING)
    def start(self):
        """The loader holds its lock and begins (system step). A load resumed after a dead worker
        stays `loading`: no transition."""

    @transition(field=status, source=Status.LOADING, target=Status.DONE)
    def finish(self):
        """Written and made current, in the transaction that switches `current` (system step)."""

    @transition(field=status, source=[Status.QUEUED, Status.LOADING], target=Status.DONE)
    def match_current(self):
        """The file is the current extract: nothing loaded (system step)."""

    @transition(field=status, source=[Status.QUEUED, Status.LOADING], target=Status.FAILED)
    def fail(self):
        """The file cannot be loaded, or the load broke; its rows are removed (system step)."""


class CivilPerson(models.Model):
    """One person of an extract (docs/civil_registry.md lists the file's columns)."""

    extract = models.ForeignKey(Extract, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    nik = models.CharField(max_length=16)
    nama = models.CharField(max_length=150)
    tempat_lahir = models.CharField(max_length=100, blank=True)
    tanggal_lahir = models.DateField(null=True, blank=True)
    jenis_kelamin = models.CharField(max_length=1, blank=True)
    no_kk = models.CharField(max_length=16, blank=True)
    village_code = models.CharField(max_length=10)
    alamat = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "penduduk (ekstrak Dukcapil)"
        verbose_name_plural = "penduduk (ekstrak Dukcapil)"
        constraints = [models.UniqueConstraint(fields=["extract", "nik"], name="civil_person_extract_nik")]

    def __str__(self) -> str:
        return f"{self.nik} ({self.extract_id})"


class ExtractError(models.Model):
    """A row of an extract file refused for a format error (not loaded)."""

    extract = models.ForeignKey(Extract, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(help_text="Nomor baris di berkas (baris 1 = judul kolom).")
    field = models.CharField(max_length=40)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["row", "field"]
        verbose_name = "baris ekstrak ditolak"
        verbose_name_plural = "baris ekstrak ditolak"

    def __str__(self) -> str:
        return f"baris {self.row}: {self.field}"


class HttpHealth(models.Model):
    """The HTTP service's circuit breaker (dtks/civil/http.py): one row (pk = 1), shared by the web and
    worker processes, so that when the service fails every process stops calling it at once.

    Written only on a connection of its own in autocommit (`http.breaker_write`): a failure counted in a
    request that then rolls back still counts, and no caller's transaction holds this row's lock."""

    consecutive_failures = models.PositiveIntegerField("gagal berturut-turut", default=0)
    opened_until = models.DateTimeField(
        "ditunda sampai", null=True, blank=True, help_text="Selama ini layanan tidak dipanggil."
    )
    last_ok_at = models.DateTimeField("terakhir menjawab", null=True, blank=True)
    last_error = models.CharField("galat terakhir", max_length=20, blank=True)
    last_error_at = models.DateTimeField("waktu galat terakhir", null=True, blank=True)

    class Meta:
        verbose_name = "kesehatan layanan NIK"
        verbose_name_plural = "kesehatan layanan NIK"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="civil_httphealth_one_row")]

    def __str__(self) -> str:
        return f"{self.consecutive_failures} gagal"


class HttpAnswer(models.Model):
    """The HTTP service's last answer about a NIK: what the set-based form joins on (a live service
    cannot be joined in SQL). `found = false` is an answer ("no such NIK"); a NIK without a fresh row
    has not been asked yet. An answer too old to be used is personal data kept for nothing: the drain
    removes it."""

    nik = models.CharField(max_length=16, primary_key=True)
    found = models.BooleanField()
    nama = models.CharField(max_length=150, blank=True)
    tempat_lahir = models.CharField(max_length=100, blank=True)
    tanggal_lahir = models.DateField(null=True, blank=True)
    jenis_kelamin = models.CharField(max_length=1, blank=True)
    no_kk = models.CharField(max_length=16, blank=True)
    village_code = models.CharField(max_length=10, blank=True)
    alamat = models.CharField(max_length=255, blank=True)
    answered_at = models.DateTimeField(db_index=True)  # older than DTKS_CIVIL_HTTP_MAX_AGE_DAYS: removed

    class Meta:
        verbose_name = "jawaban layanan NIK"
        verbose_name_plural = "jawaban layanan NIK"

    def __str__(self) -> str:
        return self.nik


class HttpQueue(models.Model):
    """NIKs to ask the HTTP service, oldest first, at a limited rate (task `civil.http_drain`)."""

    nik = models.CharField(max_length=16, primary_key=True)
    queued_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "antrean NIK"
        verbose_name_plural = "antrean NIK"

    def __str__(self) -> str:
        return self.nik


class Reconciliation(models.Model):
    """The registry compared with one extract generation: when, how many persons, how many differ.

    Only the latest one is kept: computing a new one (after a load, or "Hitung ulang") replaces the old
    one, its villages and its rows in one transaction, so a reader sees the old or the new, never a mix.
    """

    extract = models.OneToOneField(
        Extract, on_delete=models.PROTECT, related_name="reconciliation", verbose_name="ekstrak"
    )
    computed_at = models.DateTimeField("dihitung")
    persons_checked = models.PositiveIntegerField("orang diperiksa", default=0)
    persons_differing = models.PositiveIntegerField("orang berbeda", default=0)
    # {part: persons} nationally; a person with several differing parts counts under each.
    counts = models.JSONField("jumlah per alasan", default=dict)
    actor = models.CharField("pelaku", max_length=150)

    class Meta:
        verbose_name = "rekonsiliasi Dukcapil"
        verbose_name_plural = "rekonsiliasi Dukcapil"

    def __str__(self) -> str:
        return f"rekonsiliasi {self.extract_id} ({self.computed_at:%Y-%m-%d %H:%M})"


class ReconciliationVillage(models.Model):
    """The counts of one village: a scoped page sums the villages in its scope (one aggregate over an
    indexed table of at most ~84,000 rows) instead of counting the differing persons themselves."""

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="villages")
    village_code = models.CharField(max_length=10)
    persons_checked = models.PositiveIntegerField(default=0)
    persons_differing = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    other_person = models.PositiveIntegerField(default=0)
    nama = models.PositiveIntegerField(default=0)
    tanggal_lahir = models.PositiveIntegerField(default=0)
    jenis_kelamin = models.PositiveIntegerField(default=0)
    no_kk = models.PositiveIntegerField(default=0)
    kode_wilayah = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "rekonsiliasi per desa"
        verbose_name_plural = "rekonsiliasi per desa"
        indexes = [
            models.Index(
                fields=["village_code"], name="civil_recvill_village", opclasses=["varchar_pattern_ops"]
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["reconciliation", "village_code"], name="civil_recvill_one")
        ]

    def __str__(self) -> str:
        return f"{self.village_code} ({self.reconciliation_id})"


class ReconciliationRow(models.Model):
    """One registry person that disagrees with the extract: which parts, with both values.

    Rows are written in (village, person) order, so the id is the list's order and its keyset.
    `detail` is the matcher's `{"parts": [...]}` (dtks/civil/matching.py): never the data of another
    person for `other_person`. `nama` is our name at the time of the comparison (for the list).
    """

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="rows")
    person_id = models.BigIntegerField()
    village_code = models.CharField(max_length=10)
    nik = models.CharField(max_length=16)
    nama = models.CharField(max_length=150, blank=True)
    parts = ArrayField(models.CharField(max_length=16), default=list)
    detail = models.JSONField(default=dict)

    class Meta:
        verbose_name = "orang berbeda dengan Dukcapil"
        verbose_name_plural = "orang berbeda dengan Dukcapil"
        indexes = [
            models.Index(
                fields=["village_code"], name="civil_recrow_village", opclasses=["varchar_pattern_ops"]
            ),
            GinIndex(fields=["parts"], name="civil_recrow_parts"),
            models.Index(fields=["person_id"], name="civil_recrow_person"),
        ]

    def __str__(self) -> str:
        return f"orang {self.person_id} ({self.reconciliation_id})"
