from django.apps import AppConfig


class VrmConfig(AppConfig):
    name = "vrm"
    verbose_name = "Persons and vaults"
