from django.db import migrations

SQL = """
CREATE FUNCTION dtks_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION dtks_append_only();
CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION dtks_append_only();
"""

REVERSE = """
DROP TRIGGER audit_auditevent_append_only ON audit_auditevent;
DROP TRIGGER audit_auditevent_no_truncate ON audit_auditevent;
DROP FUNCTION dtks_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
