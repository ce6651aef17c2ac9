from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_tables(sender, **kwargs) -> None:
    """The database cache (CACHES["shared"] without Redis) needs its table: migrate makes it."""
    from django.core.management import call_command

    call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)


class DjobeaConfig(AppConfig):
    name = "djobea"
    verbose_name = "Djobea"

    def ready(self):
        from djobea import checks, schedules  # noqa: F401  (checks register themselves)

        schedules.connect()
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="djobea.create_cache_tables")
