from django.db import migrations, models
from django.db.models import F


def accepted_is_latest(apps, schema_editor):
    # Until now only a response whose current status is accepted counted, with its latest
    # version; that version is the one accepted. (Which version an amended reply had before is
    # in the audit log only; those replies count again once accepted.)
    Response = apps.get_model("responses", "Response")
    Response.objects.filter(status="accepted").update(accepted_version_number=F("latest_version_number"))


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0002_answersearchentry"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="accepted_version_number",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(accepted_is_latest, migrations.RunPython.noop),
    ]
