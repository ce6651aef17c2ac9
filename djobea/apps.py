from django.apps import AppConfig


class DjobeaConfig(AppConfig):
    name = "djobea"
    verbose_name = "Djobea"

    def ready(self):
        from djobea import checks  # noqa: F401  (registers the system checks)
