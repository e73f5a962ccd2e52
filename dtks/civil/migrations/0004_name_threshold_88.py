"""The name threshold's default 85 -> 88: the corpus of realistic pairs (tests/civil/corpus.py,
benchmarks/bench_civil_corpus.py) separates same and different names best there. A configured row keeps
its value."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("civil", "0003_http_service"),
    ]

    operations = [
        migrations.AlterField(
            model_name="settings",
            name="name_threshold",
            field=models.PositiveSmallIntegerField(
                default=88,
                help_text="0–100: dua nama dianggap sama bila kemiripannya (setelah dinormalkan) mencapai angka ini.",
                verbose_name="ambang kemiripan nama",
            ),
        ),
    ]
