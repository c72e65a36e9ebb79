from django.db import migrations, models


class Migration(migrations.Migration):
    """The main database keeps no key material: the vault only names its data key in the key store."""

    dependencies = [
        ("vrm", "0005_move_data_keys_to_keystore"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="vault", name="vault_key_present_unless_shredded"),
        migrations.RemoveIndex(model_name="vault", name="vault_rotation"),
        migrations.RemoveField(model_name="vault", name="key_id"),
        migrations.RemoveField(model_name="vault", name="rewrapped_at"),
        migrations.RemoveField(model_name="vault", name="wrapped_key"),
        migrations.AddConstraint(
            model_name="vault",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("key_ref__isnull", False), ("shredded_at__isnull", True)),
                    models.Q(("key_ref__isnull", True), ("shredded_at__isnull", False)),
                    _connector="OR",
                ),
                name="vault_key_present_unless_shredded",
            ),
        ),
    ]
