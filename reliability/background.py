"""Background work watched: failed django-q2 tasks and schedules that did not run on time.

django-q2 keeps a failed task as a ``Failure`` row and nothing else; a schedule that stopped running
(cluster down, a clock gone wrong, a crash loop, a schedule pinned to a cluster that is not running)
only shows as a ``next_run`` in the past. These rules turn both into alerts:

* ``task-failures`` (warning) while a task failed in the last ``TASK_FAILURE_WINDOW_MINUTES`` (60):
  names the function, the error and the count; resolves after that long without a failure.
* ``schedules-late`` (warning) while a schedule is overdue by more than ``SCHEDULE_LATE_SECONDS`` (300).

The every-minute alert evaluation runs both; the ``/health/`` check runs the schedules one too, since
a stopped cluster cannot report its own schedules.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.i18n import text
from reliability.alerts import raise_alert, resolve_alert
from reliability.models import Severity

TASK_FAILURES_KEY = "task-failures"
SCHEDULES_LATE_KEY = "schedules-late"


def _error_line(result) -> str:
    """django-q2 stores "<error> : <traceback>" as a failed task's result; the first part names the error."""
    return str(result or "").split(" : ", 1)[0].strip()[:200]


def task_failures(*, now: datetime | None = None) -> dict:
    """Failed tasks in the window: total, per function, and the latest one (function, error, when)."""
    from django_q.models import Failure

    now = now or timezone.now()
    since = now - timedelta(minutes=settings.TASK_FAILURE_WINDOW_MINUTES)
    rows = Failure.objects.filter(stopped__gte=since)
    by_func = dict(rows.values("func").annotate(n=Count("id")).order_by().values_list("func", "n"))
    latest = rows.order_by("-stopped").values("func", "result", "stopped").first()
    return {
        "count": sum(by_func.values()),
        "by_func": by_func,
        "latest": {"func": latest["func"], "error": _error_line(latest["result"]), "at": latest["stopped"]}
        if latest else None,
        "since": since,
        "last_failure_at": rows.aggregate(at=Max("stopped"))["at"],
    }


def late_schedules(*, now: datetime | None = None) -> list[dict]:
    """Repeating schedules whose next run is more than ``SCHEDULE_LATE_SECONDS`` in the past."""
    from django_q.models import Schedule

    now = now or timezone.now()
    overdue = Schedule.objects.exclude(repeats=0).filter(
        next_run__lt=now - timedelta(seconds=settings.SCHEDULE_LATE_SECONDS)
    )
    return [
        {"name": s.name or s.func, "func": s.func, "next_run": s.next_run,
         "late_seconds": int((now - s.next_run).total_seconds())}
        for s in overdue.order_by("next_run")[:20]
    ]


def rule_task_failures(*, now: datetime | None = None) -> dict:
    facts = task_failures(now=now)
    if not facts["count"]:
        resolve_alert(key=TASK_FAILURES_KEY)
        return facts
    latest = facts["latest"]
    detail = text(gettext_noop("%(count)s failed background task(s) in the last %(minutes)s minutes (%(funcs)s). "
                               "Latest: %(func)s — %(error)s"),
                  count=facts["count"], minutes=settings.TASK_FAILURE_WINDOW_MINUTES,
                  funcs=", ".join(f"{func} ×{n}" for func, n in sorted(facts["by_func"].items())),
                  func=latest["func"], error=latest["error"] or "?")
    raise_alert(key=TASK_FAILURES_KEY, severity=Severity.WARNING,
                title=text(gettext_noop("Background task failing: %(func)s"), func=latest["func"]), detail=detail)
    return facts


def rule_schedules_late(*, now: datetime | None = None) -> list[dict]:
    late = late_schedules(now=now)
    if not late:
        resolve_alert(key=SCHEDULES_LATE_KEY)
        return late
    names = ", ".join(f"{row['name']} ({row['late_seconds'] // 60} min)" for row in late)
    raise_alert(key=SCHEDULES_LATE_KEY, severity=Severity.WARNING,
                title=text(gettext_noop("Schedules are late")),
                detail=text(gettext_noop("Overdue by more than %(minutes)s minutes: %(names)s. Is the task cluster "
                                         "running, and the clock right?"),
                            minutes=settings.SCHEDULE_LATE_SECONDS // 60, names=names))
    return late
