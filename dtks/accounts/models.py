"""Users, roles and their scope (docs/design.md §2). The selector layer that scopes reads by the stored
region column arrives with Foundation II; the model is in place from the first migration so every
later table can reference it."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    VILLAGE_OPERATOR = "village_operator", "Operator desa/kelurahan"
    FIELD_OFFICER = "field_officer", "Pendamping/enumerator"
    REGENCY_VERIFIER = "regency_verifier", "Verifikator Dinas Sosial kabupaten/kota"
    REGENCY_SUPERVISOR = "regency_supervisor", "Kepala Dinas Sosial kabupaten/kota"
    PROVINCE_OFFICER = "province_officer", "Petugas Dinas Sosial provinsi"
    MINISTRY_DATA_OFFICER = "ministry_data_officer", "Petugas Pusdatin Kementerian Sosial"
    MINISTER_DELEGATE = "minister_delegate", "Pejabat penetapan (atas nama Menteri)"
    DATA_OFFICIAL = "data_official", "Pejabat Eselon I bidang data"
    PPID_OFFICER = "ppid_officer", "Petugas PPID"
    PROGRAMME_OFFICER = "programme_officer", "Petugas program Eselon I"
    QA_ASSESSOR = "qa_assessor", "Penilai penjaminan kualitas (perguruan tinggi)"
    DATA_REQUESTER = "data_requester", "Pemohon data"
    ADMIN = "admin", "Administrator"


class OrganisationKind(models.TextChoices):
    MINISTRY = "ministry", "Kementerian"
    AGENCY = "agency", "Lembaga"
    LOCAL_GOVERNMENT = "local_government", "Pemerintah daerah"
    PUBLIC_BODY = "public_body", "Badan publik"


class Organisation(models.Model):
    """An office outside the DTKS line that requests data (docs/design.md §2). A data requester either
    belongs to one or is an individual member of the public (no organisation)."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    # A local government's region (undotted), so its requests can be matched to its area.
    region_code = models.CharField(max_length=10, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "organisasi"
        verbose_name_plural = "organisasi"

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    # The granted region, undotted: a village (10), regency (4) or province (2) code; empty for
    # national roles. Scoping compares it with the stored region column of each row.
    region_code = models.CharField(max_length=10, blank=True, db_index=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # Demo accounts (seed_demo): only under settings.DTKS_DEMO_SKIP_OTP, which only local settings
    # can turn on, are they treated as TOTP-verified at login (docs/authentication.md).
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = "pengguna"
        verbose_name_plural = "pengguna"


class AssignedVillage(models.Model):
    """A village a field officer (pendamping/enumerator) is assigned to."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assigned_villages")
    village_code = models.CharField(max_length=10)

    class Meta:
        verbose_name = "desa tugas"
        verbose_name_plural = "desa tugas"
        constraints = [
            models.UniqueConstraint(fields=["user", "village_code"], name="accounts_assigned_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.village_code}"


class ActivationCode(models.Model):
    """A one-time code handed over on paper: with it the user sets a password (and then TOTP).

    Only an HMAC of the code is stored; the code itself is shown once, to whoever issued it.
    Issuing a new code revokes the user's earlier unused ones.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "kode aktivasi"
        verbose_name_plural = "kode aktivasi"
        indexes = [models.Index(fields=["user", "created_at"], name="accounts_code_user")]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > now
