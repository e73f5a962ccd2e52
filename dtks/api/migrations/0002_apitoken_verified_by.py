from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [
        # Tokens issued before this field came from sessions verified with a real device: production
        # never had the demo skip, and a local demo's older tokens expire within 8 hours.
        migrations.AddField(
            model_name="apitoken",
            name="verified_by",
            field=models.CharField(
                choices=[("totp", "perangkat TOTP"), ("demo_skip", "lewati TOTP demo")],
                default="totp",
                max_length=16,
            ),
            preserve_default=False,
        ),
    ]
