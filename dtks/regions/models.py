from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    # Translated: the region picker shows these labels beside each level of a chosen region.
    PROVINCE = 1, _("Provinsi")
    REGENCY = 2, _("Kabupaten/Kota")
    DISTRICT = 3, _("Kecamatan")
    VILLAGE = 4, _("Kelurahan/Desa")


CODE_LENGTH = {Level.PROVINCE: 2, Level.REGENCY: 4, Level.DISTRICT: 6, Level.VILLAGE: 10}


class Region(models.Model):
    """Kemendagri 2025 region, stored undotted (`33`, `3371`, `337101`, `3371011001`).

    Reference data: loaded once by `load_regions`, not by migrations. The table is created by a
    migration but the model is unmanaged, so the test runner's flush between transactional tests
    leaves it alone (docs/design.md §5: reference data survives).
    """

    code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=120)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    kind = models.CharField(max_length=12)
    parent = models.ForeignKey(
        "self", db_column="parent_code", null=True, on_delete=models.DO_NOTHING, related_name="children"
    )
    postal_code = models.CharField(max_length=5, blank=True)

    class Meta:
        managed = False
        db_table = "regions_region"
        ordering = ["code"]
        verbose_name = "wilayah"
        verbose_name_plural = "wilayah"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def dotted(self) -> str:
        return dotted(self.code)


def undotted(code: str) -> str:
    """Accepts `33.71.01.1001`, `3371011001` or with spaces; returns the undotted form."""
    return "".join(ch for ch in str(code) if ch.isdigit())


def dotted(code: str) -> str:
    c = undotted(code)
    return ".".join(p for p in (c[0:2], c[2:4], c[4:6], c[6:10]) if p)
