import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    """The key store's table (created only on the `keystore` alias, see vrm/routers.py) and the vault's reference."""

    dependencies = [
        ("vrm", "0003_seed_catalogue"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataKey",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("wrapped_key", models.BinaryField()),
                ("key_id", models.CharField(max_length=32)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("rewrapped_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "indexes": [models.Index(fields=["key_id", "id"], name="datakey_rotation")],
            },
        ),
        migrations.AddField(
            model_name="vault",
            name="key_ref",
            field=models.UUIDField(null=True, unique=True),
        ),
    ]
