"""Registry storage rules that live in the database (docs/design.md §5) and the reference code lists."""

from django.db import migrations

VERSION_TABLES = [
    "registry_personversion",
    "registry_familyversion",
    "registry_membershipversion",
    "registry_groupversion",
    "registry_groupmemberversion",
]

CODE_TABLE = """
CREATE TABLE registry_code (
    id     bigserial PRIMARY KEY,
    list   varchar(32) NOT NULL,
    code   varchar(40) NOT NULL,
    label  varchar(200) NOT NULL,
    sort   smallint NOT NULL DEFAULT 0 CHECK (sort >= 0),
    active boolean NOT NULL DEFAULT true,
    UNIQUE (list, code)
);

"""

ID_FUNCTIONS = r"""
CREATE SEQUENCE registry_person_id_seq;
CREATE SEQUENCE registry_family_id_seq;
CREATE SEQUENCE registry_group_id_seq;

CREATE FUNCTION dtks_day_ok(d int, m int, yy int) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT d >= 1 AND m BETWEEN 1 AND 12 AND d <= CASE WHEN m = 2 THEN CASE WHEN yy % 4 = 0 THEN 29 ELSE 28 END
                                                   WHEN m IN (4, 6, 9, 11) THEN 30 ELSE 31 END $$;

-- The SQL twin of dtks.registry.identity.check_nik/check_kk (a parity test holds them equal).
-- Province is checked by the caller with a join on regions_region and passed in.
CREATE FUNCTION dtks_id_error(v text, is_nik boolean, province_known boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN v IS NULL THEN NULL
    WHEN v ~ '^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$' OR v ~ '^[0-9]{15,16}[.,]0+$' THEN 'excel'
    WHEN v !~ '^[0-9]{16}$' THEN 'format'
    WHEN NOT province_known THEN 'province'
    WHEN substr(v, 3, 2) = '00' OR substr(v, 5, 2) = '00' THEN 'region_zero'
    WHEN NOT dtks_day_ok(
        substr(v, 7, 2)::int - CASE WHEN is_nik AND substr(v, 7, 2)::int > 40 THEN 40 ELSE 0 END,
        substr(v, 9, 2)::int, substr(v, 11, 2)::int) THEN 'date'
    WHEN substr(v, 13, 4) = '0000' THEN 'serial'
   END $$;
"""

GUARD = """
CREATE FUNCTION dtks_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- Only the test settings set this switch (the test runner empties tables between tests).
        IF coalesce(current_setting('dtks.allow_truncate', true), '') <> 'on' THEN
            RAISE EXCEPTION 'registri: TRUNCATE % ditolak', TG_TABLE_NAME USING ERRCODE = '42501';
        END IF;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.published THEN
            RAISE EXCEPTION 'registri: versi terbit %.% tidak boleh dihapus', TG_TABLE_NAME, OLD.id
                USING ERRCODE = '23000';
        END IF;
        RETURN OLD;
    END IF;
    IF (to_jsonb(NEW) - 'valid_to' - 'published') IS DISTINCT FROM (to_jsonb(OLD) - 'valid_to' - 'published') THEN
        RAISE EXCEPTION 'registri: isi versi %.% tidak boleh diubah', TG_TABLE_NAME, OLD.id USING ERRCODE = '23000';
    END IF;
    IF NEW.valid_to IS DISTINCT FROM OLD.valid_to AND (OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL) THEN
        RAISE EXCEPTION 'registri: valid_to %.% hanya boleh diisi sekali', TG_TABLE_NAME, OLD.id USING ERRCODE = '23000';
    END IF;
    IF NEW.published IS DISTINCT FROM OLD.published AND (OLD.published OR NOT NEW.published) THEN
        RAISE EXCEPTION 'registri: published %.% hanya boleh dari false ke true', TG_TABLE_NAME, OLD.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$;
"""


def guard_sql(table: str) -> str:
    return f"""
    ALTER TABLE {table} ADD CONSTRAINT {table}_period_order CHECK (valid_to IS NULL OR valid_to > valid_from);
    CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION dtks_version_guard();
    CREATE TRIGGER {table}_guard_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION dtks_version_guard();
    """


def seed_codes(apps, schema_editor):
    from dtks.registry.codelists import SEED

    with schema_editor.connection.cursor() as cur:
        for list_name, entries in SEED.items():
            for sort, (code, label) in enumerate(entries):
                cur.execute(
                    "INSERT INTO registry_code (list, code, label, sort) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (list, code) DO NOTHING",
                    [list_name, code, label, sort],
                )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunSQL(CODE_TABLE, "DROP TABLE registry_code;"),
        migrations.RunPython(seed_codes, migrations.RunPython.noop),
        migrations.RunSQL(ID_FUNCTIONS, "DROP FUNCTION dtks_id_error(text, boolean, boolean);"
                          " DROP FUNCTION dtks_day_ok(int, int, int); DROP SEQUENCE registry_person_id_seq;"
                          " DROP SEQUENCE registry_family_id_seq; DROP SEQUENCE registry_group_id_seq;"),
        migrations.RunSQL(GUARD + "".join(guard_sql(t) for t in VERSION_TABLES),
                          "".join(f"DROP TRIGGER {t}_guard ON {t}; DROP TRIGGER {t}_guard_truncate ON {t};"
                                  f" ALTER TABLE {t} DROP CONSTRAINT {t}_period_order;" for t in VERSION_TABLES)
                          + "DROP FUNCTION dtks_version_guard();"),
    ]
