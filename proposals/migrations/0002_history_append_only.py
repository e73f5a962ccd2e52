from django.db import migrations

SQL = """
CREATE TRIGGER proposals_history_append_only BEFORE UPDATE OR DELETE ON proposals_proposalitemhistory
    FOR EACH ROW EXECUTE FUNCTION dtks_append_only();
CREATE TRIGGER proposals_history_no_truncate BEFORE TRUNCATE ON proposals_proposalitemhistory
    FOR EACH STATEMENT EXECUTE FUNCTION dtks_append_only();
"""
REVERSE = """
DROP TRIGGER proposals_history_append_only ON proposals_proposalitemhistory;
DROP TRIGGER proposals_history_no_truncate ON proposals_proposalitemhistory;
"""


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial"), ("audit", "0002_append_only")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
