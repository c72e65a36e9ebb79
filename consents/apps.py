from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = "Grants and their record"
