"""The task cluster's recurring jobs, created or updated after every migrate.

Each entry: (name, dotted function path, every N minutes). Every job is idempotent and safe to
run on several nodes at once; its state lives in our own tables.
"""

from django.db.models.signals import post_migrate

SCHEDULES: list[tuple[str, str, int]] = [
]


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    for name, func, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1},
        )
    Schedule.objects.filter(name__startswith="djobea:").exclude(name__in=[s[0] for s in SCHEDULES]).delete()


def connect() -> None:
    post_migrate.connect(ensure_schedules, dispatch_uid="djobea.ensure_schedules")
