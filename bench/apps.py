from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Bench-only app (installed by bench/settings.py, never by vrm/settings.py): the bare baseline."""

    name = "bench"
    default_auto_field = "django.db.models.BigAutoField"
