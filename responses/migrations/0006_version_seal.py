import hashlib
import hmac

import pgtrigger
from django.conf import settings
from django.db import migrations, models


def seal_existing_versions(apps, schema_editor):
    # Rows from before the seal get one now, under the key this deployment runs with; their
    # chain is only as trustworthy as it was when this migration ran (run verify_history
    # before migrating).
    ResponseVersion = apps.get_model("responses", "ResponseVersion")
    key = settings.HISTORY_SEAL_KEY.encode("utf-8")
    with pgtrigger.ignore("responses.ResponseVersion:versions_append_only"):
        for version in ResponseVersion.objects.filter(seal="").only("pk", "sha256").iterator():
            seal = hmac.new(key, version.sha256.encode("ascii"), hashlib.sha256).hexdigest()
            ResponseVersion.objects.filter(pk=version.pk).update(seal=seal)


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0005_reminder"),
    ]

    operations = [
        migrations.AddField(
            model_name="responseversion",
            name="seal",
            field=models.CharField(
                default="",
                help_text="HMAC of the SHA-256 under a key the database does not hold.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(seal_existing_versions, migrations.RunPython.noop),
    ]
