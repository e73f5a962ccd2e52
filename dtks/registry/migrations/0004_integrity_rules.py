"""Integrity rules as configuration (docs/design.md §7): a reference table like registry_code, created
and seeded here so the test runner's flush leaves it in place."""

from django.db import migrations, models

TABLE = """
CREATE TABLE registry_integrityrule (
    id          bigserial PRIMARY KEY,
    code        varchar(32) NOT NULL UNIQUE,
    label       varchar(200) NOT NULL,
    description text NOT NULL DEFAULT '',
    enabled     boolean NOT NULL DEFAULT true,
    blocking    boolean NOT NULL DEFAULT false,
    sort        smallint NOT NULL DEFAULT 0 CHECK (sort >= 0),
    -- A format error always blocks saving: it cannot be switched off.
    CONSTRAINT registry_integrityrule_nik_invalid_on CHECK (code <> 'NIK_INVALID' OR enabled)
);
"""

# code, label, description, enabled, blocking (blocks determination; docs/design.md §7)
SEED = [
    (
        "NIK_INVALID",
        "NIK tidak valid",
        "Bukan 16 digit, DDMMYY mustahil, atau kode provinsi tidak dikenal. Menolak penyimpanan.",
        True,
        True,
    ),
    (
        "NIK_MISMATCH",
        "NIK tidak cocok dengan tanggal lahir/jenis kelamin",
        "DDMMYY NIK (perempuan: tanggal + 40) berbeda dengan tanggal lahir atau jenis kelamin.",
        True,
        False,
    ),
    (
        "NIK_PENDING",
        "NIK belum ada",
        "Hanya untuk individu di luar keluarga atau usulan Kementerian Sosial.",
        True,
        True,
    ),
    ("DUPLICATE_NIK", "NIK ganda", "Satu NIK pada lebih dari satu orang (nasional).", True, True),
    (
        "MEMBER_OVERLAP",
        "Anggota di lebih dari satu keluarga",
        "Satu orang aktif di lebih dari satu keluarga (nasional).",
        True,
        True,
    ),
    (
        "FAMILY_NOT_A_SET",
        "Keluarga bukan himpunan individu yang sah",
        "Tanpa anggota, tanpa kepala keluarga, lebih dari satu kepala keluarga, atau nomor KK tidak valid.",
        True,
        False,
    ),
    ("INCOMPLETE", "Data belum lengkap", "Atribut wajib kosong (disebutkan namanya).", True, False),
    (
        "CIVIL_REGISTRY_MISMATCH",
        "Tidak cocok dengan Dukcapil",
        "Tidak ditemukan, atau nama/tanggal lahir/jenis kelamin/KK/alamat berbeda (tahap berikutnya).",
        False,
        False,
    ),
    (
        "CIVIL_REGISTRY_UNAVAILABLE",
        "Dukcapil tidak dapat dihubungi",
        "Sumber data kependudukan tidak dapat menjawab (tahap berikutnya).",
        False,
        False,
    ),
]


def seed(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        for sort, (code, label, description, enabled, blocking) in enumerate(SEED):
            cur.execute(
                "INSERT INTO registry_integrityrule (code, label, description, enabled, blocking, sort)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (code) DO NOTHING",
                [code, label, description, enabled, blocking, sort],
            )


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_load_helpers")]

    operations = [
        migrations.CreateModel(
            name="IntegrityRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        choices=[
                            ("NIK_INVALID", "NIK tidak valid"),
                            ("NIK_MISMATCH", "NIK tidak cocok dengan tanggal lahir/jenis kelamin"),
                            ("NIK_PENDING", "NIK belum ada"),
                            ("DUPLICATE_NIK", "NIK ganda"),
                            ("MEMBER_OVERLAP", "Anggota di lebih dari satu keluarga"),
                            ("FAMILY_NOT_A_SET", "Keluarga bukan himpunan individu yang sah"),
                            ("INCOMPLETE", "Data belum lengkap"),
                            ("CIVIL_REGISTRY_MISMATCH", "Tidak cocok dengan Dukcapil"),
                            ("CIVIL_REGISTRY_UNAVAILABLE", "Dukcapil tidak dapat dihubungi"),
                        ],
                        max_length=32,
                        unique=True,
                    ),
                ),
                ("label", models.CharField(max_length=200)),
                ("description", models.TextField(blank=True)),
                (
                    "enabled",
                    models.BooleanField(default=True, help_text="Aturan dijalankan pada setiap pemeriksaan."),
                ),
                (
                    "blocking",
                    models.BooleanField(
                        default=False,
                        help_text="Temuan aturan ini menahan penetapan sampai diperbaiki (tidak dapat diabaikan).",
                    ),
                ),
                ("sort", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "verbose_name": "aturan integritas",
                "verbose_name_plural": "aturan integritas",
                "db_table": "registry_integrityrule",
                "ordering": ["sort", "code"],
                "managed": False,
            },
        ),
        migrations.RunSQL(TABLE, "DROP TABLE registry_integrityrule;"),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
