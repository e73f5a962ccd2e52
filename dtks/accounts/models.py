"""Users, roles and their scope (DESIGN.md §2). The selector layer that scopes reads by the stored
region column arrives with Foundation II; the model is in place from the first migration so every
later table can reference it."""

from django.contrib.auth.models import AbstractUser
from django.db import models


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


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    # The granted region, undotted: a village (10), regency (4) or province (2) code; empty for
    # national roles. Scoping compares it with the stored region column of each row.
    region_code = models.CharField(max_length=10, blank=True, db_index=True)

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
        constraints = [models.UniqueConstraint(fields=["user", "village_code"], name="accounts_assigned_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.village_code}"
