from django.db import migrations

SQL = r"""
-- SQL twin of dtks.registry.identity.normalise_id: trim, drop spaces/dots/dashes, keep Excel's
-- number forms as written so they can be refused with the right message.
CREATE FUNCTION dtks_normalise_id(v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN btrim(v) ~ '^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$' OR btrim(v) ~ '^[0-9]{15,16}[.,]0+$' THEN btrim(v)
    ELSE nullif(regexp_replace(v, '[[:space:].-]', '', 'g'), '')
   END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_registry_sql")]
    operations = [migrations.RunSQL(SQL, "DROP FUNCTION dtks_normalise_id(text);")]
