from django.db import migrations


def load(apps, schema_editor):
    from portal.reference import load_respondents

    load_respondents(apps.get_model("portal", "Respondent"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
