"""When a re-check of every enabled rule last stored an item's findings (ProposalItem.findings_checked_at;
docs/design.md §7, "Checking again")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0008_item_application"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposalitem",
            name="findings_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
