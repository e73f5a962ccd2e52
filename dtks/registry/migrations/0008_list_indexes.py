"""The person and family lists' order as partial indexes over the current versions (issue 14): the
region code in collation "C" (so a region prefix `LIKE '3371%'` is a range of the same index), then the
list's sort. A page of a regency of 2,000,000 persons is one range scan, at the first page or the
1,000th (dtks/core/keyset.py, dtks/registry/selectors.py)."""

from django.db import migrations, models
from django.db.models.functions import Collate

CURRENT = models.Q(published=True, valid_to__isnull=True)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_truncate_always_refused")]

    operations = [
        migrations.AddIndex(
            model_name="familyversion",
            index=models.Index(
                Collate("village_code", "C"), models.F("family_id"), condition=CURRENT, name="reg_family_list"
            ),
        ),
        migrations.AddIndex(
            model_name="personversion",
            index=models.Index(
                Collate("village_code", "C"),
                models.F("nama"),
                models.F("person_id"),
                condition=CURRENT,
                name="reg_person_list",
            ),
        ),
    ]
