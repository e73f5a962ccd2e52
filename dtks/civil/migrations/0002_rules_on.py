"""The civil-registry rules exist now (dtks/civil): switched on. They still run only when a source is
configured (civil.Settings.source, "none" by default), so nothing changes until the administrator
chooses one."""

from django.db import migrations

RULES = ("CIVIL_REGISTRY_MISMATCH", "CIVIL_REGISTRY_UNAVAILABLE")


def forward(apps, schema_editor):
    schema_editor.execute(
        "UPDATE registry_integrityrule SET enabled = true WHERE code = ANY(%s)", [list(RULES)]
    )


def backward(apps, schema_editor):
    schema_editor.execute(
        "UPDATE registry_integrityrule SET enabled = false WHERE code = ANY(%s)", [list(RULES)]
    )


class Migration(migrations.Migration):
    dependencies = [("civil", "0001_initial"), ("registry", "0004_integrity_rules")]
    operations = [migrations.RunPython(forward, backward)]
