"""One override reason per integrity rule (`overrides`, {rule: reason}) instead of one free text for
all, and a structured `detail` on every history row (docs/proposals.md).

An item decided with the old single reason gets that reason for each rule it had findings of, so
what was recorded stays recorded; the way back writes the reasons, joined, into the one text."""

from django.db import migrations, models

FORWARD = """
UPDATE proposals_proposalitem i
SET overrides = (SELECT coalesce(jsonb_object_agg(r.rule, i.override_reason), '{}'::jsonb)
                 FROM (SELECT DISTINCT f->>'rule' AS rule FROM jsonb_array_elements(i.findings) f) r)
WHERE btrim(i.override_reason) <> ''
"""
BACKWARD = """
UPDATE proposals_proposalitem i
SET override_reason = (SELECT string_agg(DISTINCT o.value, '; ') FROM jsonb_each_text(i.overrides) o)
WHERE i.overrides <> '{}'::jsonb
"""


class Migration(migrations.Migration):
    dependencies = [("proposals", "0005_import_stage")]

    operations = [
        migrations.AddField(
            model_name="proposalitem",
            name="overrides",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveField(model_name="proposalitem", name="override_reason"),
        migrations.AddField(
            model_name="proposalitemhistory",
            name="detail",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
