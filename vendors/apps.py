from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendors and OAuth clients"

    def ready(self):
        # Registers the OpenAPI description of the API's OAuth security scheme.
        from vendors.api import schema  # noqa: F401
