"""The registry core (data induk), stored as versions with periods (docs/design.md §5).

A version's content never changes. It is valid from the period that determined it until the period
that replaced or removed it (`valid_from <= P < valid_to`). A database trigger (migration 0002)
refuses every UPDATE except `valid_to` set once and `published` set once, and every DELETE except
of unpublished versions. Identities (`person_id`, `family_id`, `group_id`) are numbers from
sequences, shared by all versions of the same person, family or group.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _


class CodeList(models.TextChoices):
    HUBUNGAN_KELUARGA = "hubungan_keluarga", "Hubungan keluarga"
    JENIS_KELAMIN = "jenis_kelamin", "Jenis kelamin"
    STATUS_PERKAWINAN = "status_perkawinan", "Status perkawinan"
    DISABILITAS = "disabilitas", "Disabilitas"
    ALASAN_PENGHAPUSAN = "alasan_penghapusan", "Alasan penghapusan"
    KATEGORI = "kategori", "Kategori"
    KRITERIA = "kriteria", "Kriteria kesejahteraan sosial"
    PROGRAM = "program", "Program yang diterima"
    STATUS_KEPEMILIKAN = "status_kepemilikan", "Status kepemilikan bangunan"
    ATAP = "atap", "Jenis atap terluas"
    DINDING = "dinding", "Jenis dinding terluas"
    LANTAI = "lantai", "Jenis lantai terluas"
    SUMBER_AIR_MINUM = "sumber_air_minum", "Sumber air minum"
    PENERANGAN = "penerangan", "Sumber penerangan utama"
    FASILITAS_BAB = "fasilitas_bab", "Fasilitas buang air besar"


class Code(models.Model):
    """One entry of a code list. Lists are data the ministry can extend (criteria are "at least")."""

    list = models.CharField("daftar", max_length=32, choices=CodeList.choices)
    code = models.CharField("kode", max_length=40)
    label = models.CharField("label", max_length=200)
    sort = models.PositiveSmallIntegerField("urutan", default=0)
    active = models.BooleanField("aktif", default=True)

    class Meta:
        # Reference data: created by migration, survives the test runner's flush (docs/design.md §5).
        managed = False
        db_table = "registry_code"
        ordering = ["list", "sort", "code"]
        # The table's UNIQUE (list, code) (migration 0002), declared so forms and imports say so
        # instead of failing on the database.
        constraints = [models.UniqueConstraint(fields=["list", "code"], name="registry_code_list_code_key")]
        verbose_name = "kode"
        verbose_name_plural = "daftar kode"

    def __str__(self) -> str:
        return f"{self.get_list_display()}: {self.label}"


class Batch(models.Model):
    """One write of registry versions: the baseline load, or (later) a determination run."""

    class Kind(models.TextChoices):
        BASELINE = "baseline", "Muat awal (ekstrak DTKS)"
        DETERMINATION = "determination", "Penetapan"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    period = models.DateField(help_text="Periode (hari pertama bulan).")
    source_name = models.CharField(max_length=255, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    actor = models.CharField(max_length=150, help_text="Pengguna atau aktor sistem yang menjalankan.")
    rows_read = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    families = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "batch registri"
        verbose_name_plural = "batch registri"
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="baseline"), name="registry_one_baseline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period:%Y-%m}"


# The open versions of the latest published period.
CURRENT = models.Q(published=True, valid_to__isnull=True)


class VersionQuerySet(models.QuerySet):
    def current(self):
        """The open versions of the latest published period."""
        return self.filter(CURRENT)

    def as_of(self, period):
        return self.filter(published=True, valid_from__lte=period).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=period)
        )


class Version(models.Model):
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    published = models.BooleanField(default=False)
    # No database FK: batches are never deleted, and an FK check per row would slow bulk loads.
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, db_constraint=False, related_name="+")

    objects = VersionQuerySet.as_manager()

    class Meta:
        abstract = True


def _region_index(table: str) -> models.Index:
    # One stored region column serves every scope: `=` for a village, `LIKE '3371%'` for a regency.
    return models.Index(fields=["village_code"], name=f"{table}_village", opclasses=["varchar_pattern_ops"])


def _list_index(table: str, *fields: str) -> models.Index:
    # A list's order over the current versions (dtks/registry/selectors.py, PERSON_ORDER and
    # FAMILY_ORDER): the region code in collation "C", so the same index answers the scope's
    # `LIKE '3371%'` whatever the database's collation, and a page is one range scan at any depth.
    return models.Index(Collate("village_code", "C"), *fields, name=f"{table}_list", condition=CURRENT)


class PersonVersion(Version):
    person_id = models.BigIntegerField()
    # NULL, not "", means NIK_PENDING: many persons may lack a NIK, and NULLs never collide.
    nik = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001
    nama = models.CharField(max_length=150, blank=True)
    tempat_lahir = models.CharField(max_length=100, blank=True)
    tanggal_lahir = models.DateField(null=True, blank=True)
    jenis_kelamin = models.CharField(max_length=1, blank=True)
    status_perkawinan = models.CharField(max_length=40, blank=True)
    village_code = models.CharField(max_length=10)
    rt = models.CharField(max_length=3, blank=True)
    rw = models.CharField(max_length=3, blank=True)
    alamat = models.CharField(max_length=255, blank=True)
    kategori = models.CharField(max_length=40, blank=True)
    kriteria = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    disabilitas = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    program = ArrayField(models.CharField(max_length=40), default=list, blank=True)

    class Meta:
        verbose_name = "versi orang"
        verbose_name_plural = "versi orang"
        indexes = [
            models.Index(fields=["person_id"], name="reg_person_pid"),
            models.Index(fields=["nik"], name="reg_person_nik"),
            _region_index("reg_person"),
            _list_index("reg_person", "nama", "person_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(nik__regex=r"^[0-9]{16}$"), name="reg_person_nik_16"),
            models.CheckConstraint(
                condition=models.Q(jenis_kelamin__in=["", "L", "P"]), name="reg_person_jk"
            ),
            models.CheckConstraint(
                condition=models.Q(village_code__regex=r"^[0-9]{10}$"), name="reg_person_vill"
            ),
        ]

    def __str__(self) -> str:
        return f"orang {self.person_id} ({self.valid_from:%Y-%m})"


class FamilyVersion(Version):
    family_id = models.BigIntegerField()
    no_kk = models.CharField(max_length=16)
    village_code = models.CharField(max_length=10)
    rt = models.CharField(max_length=3, blank=True)
    rw = models.CharField(max_length=3, blank=True)
    alamat = models.CharField(max_length=255, blank=True)
    status_kepemilikan = models.CharField(max_length=40, blank=True)
    atap = models.CharField(max_length=40, blank=True)
    dinding = models.CharField(max_length=40, blank=True)
    lantai = models.CharField(max_length=40, blank=True)
    sumber_air_minum = models.CharField(max_length=40, blank=True)
    penerangan = models.CharField(max_length=40, blank=True)
    fasilitas_bab = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = "versi keluarga"
        verbose_name_plural = "versi keluarga"
        indexes = [
            models.Index(fields=["family_id"], name="reg_family_fid"),
            models.Index(fields=["no_kk"], name="reg_family_kk"),
            _region_index("reg_family"),
            _list_index("reg_family", "family_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(no_kk__regex=r"^[0-9]{16}$"), name="reg_family_kk_16"),
            models.CheckConstraint(
                condition=models.Q(village_code__regex=r"^[0-9]{10}$"), name="reg_family_vill"
            ),
        ]

    def __str__(self) -> str:
        return f"keluarga {self.family_id} ({self.valid_from:%Y-%m})"


class MembershipVersion(Version):
    family_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    hubungan_keluarga = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = "versi keanggotaan keluarga"
        verbose_name_plural = "versi keanggotaan keluarga"
        indexes = [models.Index(fields=["family_id"], name="reg_member_fid")]
        constraints = [
            # One active family per person (docs/design.md §5): over published, open memberships.
            models.UniqueConstraint(
                fields=["person_id"],
                condition=models.Q(published=True, valid_to__isnull=True),
                name="reg_member_one_active_family",
            ),
        ]

    def __str__(self) -> str:
        return f"keluarga {self.family_id} – orang {self.person_id} ({self.valid_from:%Y-%m})"


class GroupVersion(Version):
    """A group (kelompok) or community (masyarakat): a named set of persons."""

    class Kind(models.TextChoices):
        KELOMPOK = "kelompok", "Kelompok"
        MASYARAKAT = "masyarakat", "Masyarakat/komunitas"

    group_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    nama = models.CharField(max_length=200)
    village_code = models.CharField(max_length=10)

    class Meta:
        verbose_name = "versi kelompok/komunitas"
        verbose_name_plural = "versi kelompok/komunitas"
        indexes = [models.Index(fields=["group_id"], name="reg_group_gid"), _region_index("reg_group")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.nama}"


class GroupMemberVersion(Version):
    group_id = models.BigIntegerField()
    person_id = models.BigIntegerField()

    class Meta:
        verbose_name = "versi anggota kelompok"
        verbose_name_plural = "versi anggota kelompok"
        indexes = [models.Index(fields=["group_id"], name="reg_groupmember_gid")]

    def __str__(self) -> str:
        return f"kelompok {self.group_id} – orang {self.person_id}"


class Finding(models.Model):
    """An integrity finding (docs/design.md §7) about the registry as written by one batch."""

    class Rule(models.TextChoices):
        NIK_INVALID = "NIK_INVALID", _("NIK tidak valid")
        NIK_MISMATCH = "NIK_MISMATCH", _("NIK tidak cocok dengan tanggal lahir/jenis kelamin")
        NIK_PENDING = "NIK_PENDING", _("NIK belum ada")
        DUPLICATE_NIK = "DUPLICATE_NIK", _("NIK ganda")
        MEMBER_OVERLAP = "MEMBER_OVERLAP", _("Anggota di lebih dari satu keluarga")
        FAMILY_NOT_A_SET = "FAMILY_NOT_A_SET", _("Keluarga bukan himpunan individu yang sah")
        INCOMPLETE = "INCOMPLETE", _("Data belum lengkap")
        CIVIL_REGISTRY_MISMATCH = "CIVIL_REGISTRY_MISMATCH", _("Tidak cocok dengan Dukcapil")
        CIVIL_REGISTRY_UNAVAILABLE = "CIVIL_REGISTRY_UNAVAILABLE", _("Dukcapil tidak dapat dihubungi")

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="findings")
    rule = models.CharField(max_length=32, choices=Rule.choices)
    person_id = models.BigIntegerField(null=True, blank=True)
    family_id = models.BigIntegerField(null=True, blank=True)
    village_code = models.CharField(max_length=10)
    fields = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "temuan integritas"
        verbose_name_plural = "temuan integritas"
        indexes = [
            models.Index(fields=["batch", "rule"], name="reg_finding_batch_rule"),
            models.Index(fields=["person_id"], name="reg_finding_person"),
            models.Index(fields=["family_id"], name="reg_finding_family"),
            _region_index("reg_finding"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} ({self.batch_id})"

    @classmethod
    def rule_label(cls, code: str) -> str:
        """The rule's name in the reader's language (the code itself for a rule no longer listed)."""
        return str(dict(cls.Rule.choices).get(code, code))


class LoadError(models.Model):
    """A row of a baseline file refused for a format error or a broken constraint (not loaded)."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="load_errors")
    row = models.PositiveIntegerField(help_text="Nomor baris di berkas (baris 1 = judul kolom).")
    field = models.CharField(max_length=40)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["row", "field"]
        verbose_name = "baris ditolak"
        verbose_name_plural = "baris ditolak"

    def __str__(self) -> str:
        return f"baris {self.row}: {self.field}"


class IntegrityRule(models.Model):
    """Whether an integrity rule of docs/design.md §7 runs, and whether its findings block determination.

    Configuration the ministry changes as data (Django admin, audited). Both forms of the engine
    (the proposal items' engine in `proposals.item.integrity` and the set-based SQL in `integrity.py`) skip disabled rules.
    `NIK_INVALID` cannot be switched off: it is a format error that blocks saving.
    """

    code = models.CharField("kode", max_length=32, unique=True, choices=Finding.Rule.choices)
    label = models.CharField("nama", max_length=200)
    description = models.TextField("uraian", blank=True)
    enabled = models.BooleanField(
        "aktif", default=True, help_text="Aturan dijalankan pada setiap pemeriksaan."
    )
    blocking = models.BooleanField(
        "menahan penetapan",
        default=False,
        help_text="Temuan aturan ini menahan penetapan sampai diperbaiki (tidak dapat diabaikan).",
    )
    sort = models.PositiveSmallIntegerField("urutan", default=0)

    class Meta:
        # Reference data like registry_code: created and seeded by migration 0004, survives the
        # test runner's flush.
        managed = False
        db_table = "registry_integrityrule"
        ordering = ["sort", "code"]
        verbose_name = "aturan integritas"
        verbose_name_plural = "aturan integritas"

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"
