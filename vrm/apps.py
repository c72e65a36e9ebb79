from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.db import router
from django.db.models.signals import post_migrate


def seed_attribute_catalogue(sender, apps=None, using="default", **kwargs):
    """Keep the catalogue's rows present after every migrate and every flush (as Django does for
    permissions): a flush, e.g. between transactional tests, would otherwise leave no catalogue."""
    from vrm.catalogue import seed_catalogue

    if apps is None:  # flush sends no migration state
        from django.apps import apps
    try:
        model = apps.get_model("vrm", "AttributeDefinition")
    except LookupError:  # migrated back to before the vault existed
        return
    if not router.allow_migrate_model(using, model):  # the key store holds no catalogue
        return
    seed_catalogue(model, using=using)


class VrmConfig(AppConfig):
    name = "vrm"
    verbose_name = "Persons and vaults"

    def ready(self):
        post_migrate.connect(seed_attribute_catalogue, sender=self)
        from vrm.startup import check_master_keys

        checks.register(check_master_keys)


class TwoFactorAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with vrm.admin_site.TwoFactorAdminSite (django-otp's OTPAdminSite) as `admin.site`."""

    default = False  # named in INSTALLED_APPS; VrmConfig stays the configuration of the vrm app
    default_site = "vrm.admin_site.TwoFactorAdminSite"
