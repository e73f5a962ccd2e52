"""The registry versions' guard without the TRUNCATE switch: production refuses TRUNCATE to everyone.
Only a test database replaces the function with a variant that honours `dtks.allow_truncate`
(tests/conftest.py: the test runner empties tables between tests) — docs/decisions.md."""

from importlib import import_module

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION dtks_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'registri: TRUNCATE % ditolak', TG_TABLE_NAME USING ERRCODE = '42501';
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

# 0002's function, switch included.
REVERSE = import_module("dtks.registry.migrations.0002_registry_sql").GUARD.replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_id_date_map")]
    operations = [migrations.RunSQL(GUARD, REVERSE)]
