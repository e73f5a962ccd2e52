"""Import stage (unlogged), natural keys on the items, the run's cursor as the last item id written."""

import django.contrib.postgres.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0004_import_jobs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportStageRow',
            fields=[
                ('pk', models.CompositePrimaryKey('job_id', 'item_id', 'position', blank=True, editable=False, primary_key=True, serialize=False)),
                ('job_id', models.BigIntegerField()),
                ('item_id', models.BigIntegerField()),
                ('position', models.SmallIntegerField()),
                ('members', models.SmallIntegerField()),
                ('heads', models.SmallIntegerField()),
                ('row_no', models.IntegerField()),
                ('group_key', models.TextField()),
                ('nik', models.TextField(null=True)),
                ('nama', models.TextField()),
                ('tempat_lahir', models.TextField()),
                ('tanggal_lahir', models.DateField(null=True)),
                ('jenis_kelamin', models.TextField()),
                ('status_perkawinan', models.TextField()),
                ('hubungan_keluarga', models.TextField()),
                ('kategori', models.TextField()),
                ('kriteria', django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)),
                ('disabilitas', django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)),
                ('program', django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)),
                ('village_code', models.TextField()),
                ('no_kk', models.TextField(null=True)),
                ('rt', models.TextField()),
                ('rw', models.TextField()),
                ('alamat', models.TextField()),
                ('status_kepemilikan', models.TextField()),
                ('atap', models.TextField()),
                ('dinding', models.TextField()),
                ('lantai', models.TextField()),
                ('sumber_air_minum', models.TextField()),
                ('penerangan', models.TextField()),
                ('fasilitas_bab', models.TextField()),
            ],
            options={
                'verbose_name': 'baris impor siap tulis',
                'verbose_name_plural': 'baris impor siap tulis',
            },
        ),
        # Written once by the preview and read once by the run: no WAL (see the model's docstring).
        migrations.RunSQL(
            "ALTER TABLE proposals_importstagerow SET UNLOGGED",
            "ALTER TABLE proposals_importstagerow SET LOGGED",
        ),
        migrations.AddField(
            model_name='proposalitem',
            name='natural_key',
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.AddConstraint(
            model_name='proposalitem',
            constraint=models.UniqueConstraint(condition=models.Q(('natural_key__isnull', False)), fields=('musyawarah', 'natural_key', 'kind'), name='item_natural_key'),
        ),
        # The natural keys move onto the items they name.
        migrations.RunSQL(
            """UPDATE proposals_proposalitem p SET natural_key = i.natural_key
               FROM proposals_importeditem i WHERE i.item_id = p.id""",
            """INSERT INTO proposals_importeditem (musyawarah_id, natural_key, kind, item_id, job_id)
               SELECT p.musyawarah_id, p.natural_key, p.kind, p.id, j.id FROM proposals_proposalitem p
               JOIN LATERAL (SELECT id FROM proposals_importjob WHERE musyawarah_id = p.musyawarah_id
                             ORDER BY id LIMIT 1) j ON true
               WHERE p.natural_key IS NOT NULL""",
        ),
        migrations.RemoveField(
            model_name='importeditem',
            name='item',
        ),
        migrations.RemoveField(
            model_name='importeditem',
            name='job',
        ),
        migrations.RemoveField(
            model_name='importeditem',
            name='musyawarah',
        ),
        migrations.RemoveField(
            model_name='importjob',
            name='cursor',
        ),
        migrations.AddField(
            model_name='importjob',
            name='cursor_item_id',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='importjob',
            name='idempotency_key',
            field=models.CharField(blank=True, max_length=80, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='importjob',
            name='stage_rows',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.DeleteModel(
            name='ImportedItem',
        ),
    ]
