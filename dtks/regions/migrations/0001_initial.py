import django.db.models.deletion
from django.db import migrations, models

CREATE = """
CREATE TABLE regions_region (
    code        varchar(10) PRIMARY KEY CHECK (code ~ '^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{4})?)?)?$'),
    name        varchar(120) NOT NULL,
    level       smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
    kind        varchar(12) NOT NULL,
    parent_code varchar(10) REFERENCES regions_region (code) DEFERRABLE INITIALLY DEFERRED,
    postal_code varchar(5) NOT NULL DEFAULT '',
    CHECK (length(code) = CASE level WHEN 1 THEN 2 WHEN 2 THEN 4 WHEN 3 THEN 6 ELSE 10 END)
);
CREATE INDEX regions_region_parent_idx ON regions_region (parent_code, name);
CREATE INDEX regions_region_level_idx ON regions_region (level);
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(CREATE, "DROP TABLE regions_region"),
        migrations.CreateModel(
            name="Region",
            fields=[
                ("code", models.CharField(max_length=10, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=120)),
                ("level", models.PositiveSmallIntegerField(choices=[(1, "Provinsi"), (2, "Kabupaten/Kota"), (3, "Kecamatan"), (4, "Kelurahan/Desa")])),
                ("kind", models.CharField(max_length=12)),
                ("postal_code", models.CharField(blank=True, max_length=5)),
                ("parent", models.ForeignKey(db_column="parent_code", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="children", to="regions.region")),
            ],
            options={"managed": False, "db_table": "regions_region", "ordering": ["code"], "verbose_name": "wilayah", "verbose_name_plural": "wilayah"},
        ),
    ]
