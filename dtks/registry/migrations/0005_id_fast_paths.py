"""The NIK/KK checks take their common case first, without a regex: a clean 16-digit value is
recognised by length and translate() (a regex match costs ~2 µs, and the baseline load runs these
on every row), and the date check is written out so the function stays inlinable. Same answers: the
Excel-number forms are never 16 plain digits, so testing that first changes no result; the date
check agrees with dtks_day_ok on all 10⁶ DDMMYY values for NIK and KK (checked when written), and
the parity test in tests/registry/test_identity.py holds the function equal to identity.py."""

from django.db import migrations

SQL = r"""
CREATE OR REPLACE FUNCTION dtks_normalise_id(v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN length(v) = 16 AND translate(v, '0123456789', '') = '' THEN v
    WHEN btrim(v) ~ '^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$' OR btrim(v) ~ '^[0-9]{15,16}[.,]0+$' THEN btrim(v)
    ELSE nullif(regexp_replace(v, '[[:space:].-]', '', 'g'), '')
   END $$;

CREATE OR REPLACE FUNCTION dtks_id_error(v text, is_nik boolean, province_known boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN v IS NULL THEN NULL
    WHEN length(v) <> 16 OR translate(v, '0123456789', '') <> '' THEN
        CASE WHEN v ~ '^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$' OR v ~ '^[0-9]{15,16}[.,]0+$' THEN 'excel'
             ELSE 'format' END
    WHEN NOT province_known THEN 'province'
    WHEN substr(v, 3, 2) = '00' OR substr(v, 5, 2) = '00' THEN 'region_zero'
    -- dtks_day_ok written out: called with these arguments it would not be inlined (each is used
    -- more than once), and a function call per row costs more than the whole check.
    WHEN substr(v, 9, 2) NOT BETWEEN '01' AND '12'
      OR (substr(v, 7, 2)::int - CASE WHEN is_nik AND substr(v, 7, 2) > '40' THEN 40 ELSE 0 END)
         NOT BETWEEN 1 AND CASE WHEN substr(v, 9, 2) = '02'
                                THEN CASE WHEN substr(v, 11, 2)::int % 4 = 0 THEN 29 ELSE 28 END
                                WHEN substr(v, 9, 2) IN ('04', '06', '09', '11') THEN 30 ELSE 31 END THEN 'date'
    WHEN substr(v, 13, 4) = '0000' THEN 'serial'
   END $$;
"""

REVERSE = r"""
CREATE OR REPLACE FUNCTION dtks_normalise_id(v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN btrim(v) ~ '^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$' OR btrim(v) ~ '^[0-9]{15,16}[.,]0+$' THEN btrim(v)
    ELSE nullif(regexp_replace(v, '[[:space:].-]', '', 'g'), '')
   END $$;

CREATE OR REPLACE FUNCTION dtks_id_error(v text, is_nik boolean, province_known boolean) RETURNS text
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


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_integrity_rules")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
