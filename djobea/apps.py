from django.apps import AppConfig


class DjobeaConfig(AppConfig):
    name = "djobea"
    verbose_name = "Djobea"

    def ready(self):
        from djobea import checks, schedules  # noqa: F401  (checks register themselves)

        schedules.connect()
