from django.db import migrations

from vrm.catalogue import seed_catalogue


def seed(apps, schema_editor):
    seed_catalogue(apps.get_model("vrm", "AttributeDefinition"))


class Migration(migrations.Migration):
    dependencies = [("vrm", "0002_vault")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
