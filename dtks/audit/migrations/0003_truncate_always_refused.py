"""The audit trail's trigger function without the TRUNCATE switch: production refuses TRUNCATE to
everyone. Only a test database replaces the function with a variant that honours
`dtks.allow_truncate` (tests/conftest.py: the test runner empties tables between tests) —
docs/decisions.md. The proposals' item history uses the same function."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION dtks_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit: TRUNCATE % ditolak', TG_TABLE_NAME USING ERRCODE = '42501';
    END IF;
    RAISE EXCEPTION 'audit: % pada % ditolak (jejak audit hanya boleh ditambah)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '42501';
END $$;
"""

# 0002's function, switch included.
REVERSE = """
CREATE OR REPLACE FUNCTION dtks_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- Only the test settings set this switch (docs/design.md §5).
        IF coalesce(current_setting('dtks.allow_truncate', true), '') <> 'on' THEN
            RAISE EXCEPTION 'audit: TRUNCATE % ditolak', TG_TABLE_NAME USING ERRCODE = '42501';
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit: % pada % ditolak (jejak audit hanya boleh ditambah)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '42501';
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
