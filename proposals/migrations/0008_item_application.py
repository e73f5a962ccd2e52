"""A self-registration's later versions point at the first version of the citizen's application
(ProposalItem.application; docs/decisions.md, "Self-registration and ministry proposals")."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0007_idempotency_keys_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposalitem",
            name="application",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="later_versions",
                to="proposals.proposalitem",
            ),
        ),
    ]
