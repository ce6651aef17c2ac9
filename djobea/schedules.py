"""The task cluster's recurring jobs, created or updated after every migrate.

Each entry: (name, dotted function path, every N minutes); DAILY ones run at a local time
(TIME_ZONE, Africa/Douala). Every job is idempotent and safe to run on several nodes at once; its
state lives in our own tables. All of them run on the "ops" cluster (settings.Q_OPS_CLUSTER), whose
queue holds nothing else, so a burst of conversations or outbound work never delays the heartbeat,
the timers or the alert rules.
"""

from datetime import time, timedelta

from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils import timezone

SCHEDULES: list[tuple[str, str, int]] = [
    ("djobea:heartbeat", "reliability.health.heartbeat_beat", 1),
    ("djobea:evaluate-alerts", "reliability.monitoring.rules.evaluate_alerts", 1),
    ("djobea:inbound-retry", "messaging.inbound.tasks.retry_due_inbound", 1),
    ("djobea:inbound-spool-drain", "messaging.inbound.tasks.drain_spool", 1),
    ("djobea:outbox-dispatch", "messaging.tasks.outbox_dispatch_due_task", 1),
    ("djobea:outbox-receipts", "messaging.tasks.outbox_receipts_task", 1),
    ("djobea:outbox-prune", "messaging.tasks.outbox_prune_task", 60),
    ("djobea:offers-expire", "marketplace.tasks.expire_offers", 1),
    ("djobea:offers-remind", "marketplace.tasks.remind_offers", 1),
    ("djobea:requests-countdown", "marketplace.tasks.send_countdowns", 1),
    ("djobea:requests-escalate", "marketplace.tasks.escalate_overdue", 1),
    ("djobea:reliability-report", "reliability.monitoring.reports.reports_write_due", 60),
]
DAILY: list[tuple[str, str, time]] = [
    ("djobea:reliability-daily", "reliability.monitoring.reports.daily_summary_send", time(7, 0)),
]


def next_local(at: time) -> timezone.datetime:
    """The next occurrence of local time ``at`` (today's if still ahead, else tomorrow's)."""
    now = timezone.localtime()
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    for name, func, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1,
                      "cluster": settings.Q_OPS_CLUSTER},
        )
    for name, func, at in DAILY:
        defaults = {"func": func, "schedule_type": Schedule.DAILY, "repeats": -1, "next_run": next_local(at),
                    "cluster": settings.Q_OPS_CLUSTER}
        Schedule.objects.update_or_create(name=name, defaults=defaults)
    names = [s[0] for s in SCHEDULES] + [d[0] for d in DAILY]
    Schedule.objects.filter(name__startswith="djobea:").exclude(name__in=names).delete()


def connect() -> None:
    post_migrate.connect(ensure_schedules, dispatch_uid="djobea.ensure_schedules")
