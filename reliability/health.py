"""Health: ``/health/`` (readiness, django-health-check) and ``/health/live/`` (liveness).

Liveness answers 200 while the process serves and touches nothing else. Readiness runs the
database and cache checks, reliability's own (task-cluster heartbeat, dead-letter growth, breakers)
and those the apps registered in their ``AppConfig.ready`` with ``register_health_check`` (messaging:
the outbox lag), the way they register redrive handlers: nothing here knows the other apps. A
``ServiceWarning`` is reported but is not an outage: the answer stays 200; only an unavailable
dependency (database, cache, a dead task cluster, an outbox far behind) gives 500.
"""

import dataclasses
import datetime
import logging
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView

from core.i18n import text
from reliability.models import DeadLetter, Heartbeat, Severity

logger = logging.getLogger(__name__)

CLUSTER_HEARTBEAT = "qcluster"
# When this process started: the task cluster, started beside it, gets a grace period to beat.
PROCESS_STARTED_AT = timezone.now()
HEARTBEAT_ALERT_KEY = "heartbeat:qcluster"
# /health/ is polled anonymously (load balancers, uptime checkers): it raises the stale-heartbeat alert
# at most once per this many seconds per cache, so polls don't turn into database writes.
HEARTBEAT_ALERT_FROM_HEALTH_SECONDS = 300


def heartbeat_beat(name: str = CLUSTER_HEARTBEAT) -> None:
    """Scheduled every minute in the task cluster: proves the cluster runs schedules."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_beat_at": timezone.now()})


def heartbeat_age_seconds(name: str = CLUSTER_HEARTBEAT) -> float | None:
    last = Heartbeat.objects.filter(name=name).values_list("last_beat_at", flat=True).first()
    return (timezone.now() - last).total_seconds() if last else None


def heartbeat_ok() -> bool:
    age = heartbeat_age_seconds()
    return age is not None and age <= settings.HEARTBEAT_MAX_AGE_SECONDS


def in_startup_grace() -> bool:
    """This process started less than ``HEARTBEAT_STARTUP_GRACE_SECONDS`` ago: the cluster may not have beaten yet."""
    return (timezone.now() - PROCESS_STARTED_AT).total_seconds() < settings.HEARTBEAT_STARTUP_GRACE_SECONDS


def heartbeat_alert_update(*, ok: bool) -> None:
    """Raise or resolve the "task cluster heartbeat missing" alert.

    Called by the cluster's alert rules (which resolve it: they run, so the cluster is back) and by the
    /health/ check in the web process: a dead cluster cannot report its own death, so every readiness
    poll of a stale heartbeat raises it there (the dedup key and cool-down keep it to one email).
    """
    from reliability.alerts import raise_alert, resolve_alert

    if ok:
        resolve_alert(key=HEARTBEAT_ALERT_KEY)
        return
    raise_alert(key=HEARTBEAT_ALERT_KEY, severity=Severity.CRITICAL,
                title=text(gettext_noop("Task cluster heartbeat missing")),
                detail=text(gettext_noop("No heartbeat for over %(s)s s: start `manage.py qcluster`."),
                            s=settings.HEARTBEAT_MAX_AGE_SECONDS))


def dead_letters_last_hour() -> int:
    return DeadLetter.objects.filter(created_at__gte=timezone.now() - timedelta(hours=1)).count()


class SyncCheck(HealthCheck):
    """Runs ``check()`` through sync_to_async on the request's thread (same database connection)."""

    timeout = datetime.timedelta(seconds=5)

    async def run(self):
        await sync_to_async(self.check, thread_sensitive=True)()

    def check(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclasses.dataclass
class TaskClusterHeartbeat(SyncCheck):
    def check(self):
        age = heartbeat_age_seconds()
        if (age is None or age > settings.HEARTBEAT_MAX_AGE_SECONDS) and in_startup_grace():
            raise ServiceWarning("starting: waiting for the task cluster's first heartbeat")
        if age is None:
            raise ServiceUnavailable("no task-cluster heartbeat yet: is `manage.py qcluster` running?")
        if age > settings.HEARTBEAT_MAX_AGE_SECONDS:
            # Staff are told even though the cluster's rules cannot run; cache.add lets one poll through.
            if cache.add(f"{HEARTBEAT_ALERT_KEY}:from-health", True, timeout=HEARTBEAT_ALERT_FROM_HEALTH_SECONDS):
                heartbeat_alert_update(ok=False)
            raise ServiceUnavailable(f"task cluster silent for {age:.0f} s: is `manage.py qcluster` running?")


@dataclasses.dataclass
class DeadLetterGrowth(SyncCheck):
    def check(self):
        count = dead_letters_last_hour()
        if count >= settings.DEAD_LETTER_GROWTH_THRESHOLD:
            raise ServiceWarning(f"{count} new dead letters in the last hour")


@dataclasses.dataclass
class Breakers(SyncCheck):
    def check(self):
        from reliability.degradation import open_breakers

        names = open_breakers()
        if names:  # a fallback channel or parser carries the work: a warning, not an outage
            raise ServiceWarning(f"open circuit breakers: {', '.join(sorted(names))}")


@dataclasses.dataclass
class BackgroundWork(SyncCheck):
    """Failed tasks and late schedules: a warning (the work waits or is retried), never an outage."""

    def check(self):
        from reliability import background

        late = [] if in_startup_grace() else background.late_schedules()
        # Late schedules may mean a dead cluster, which cannot raise its own alert: like the heartbeat's, one
        # poll every few minutes raises it here; the others only read (the cluster's rules resolve it).
        if late and cache.add(f"{background.SCHEDULES_LATE_KEY}:from-health", True,
                              timeout=HEARTBEAT_ALERT_FROM_HEALTH_SECONDS):
            background.rule_schedules_late()
        failures = background.task_failures()["count"]
        problems = [f"{len(late)} late schedule(s): {', '.join(row['name'] for row in late)}"] if late else []
        if failures:
            problems.append(f"{failures} failed task(s) in the last {settings.TASK_FAILURE_WINDOW_MINUTES} min")
        if problems:
            raise ServiceWarning("; ".join(problems))


RELIABILITY_CHECKS = (TaskClusterHeartbeat, DeadLetterGrowth, Breakers, BackgroundWork)
_registered: dict[str, type[SyncCheck]] = {}


def register_health_check(check_class: type[SyncCheck]) -> None:
    """An app adds a readiness check it owns (called from its ``AppConfig.ready``); by class name, so
    registering again replaces rather than duplicates."""
    _registered[check_class.__name__] = check_class


def djobea_checks() -> list[type[SyncCheck]]:
    return [*RELIABILITY_CHECKS, *_registered.values()]


class DjobeaHealthView(HealthCheckView):
    """django-health-check's view where warnings keep the answer at 200, over the checks registered
    when the request comes (apps register theirs after this module is imported)."""

    def get_checks(self):
        for check_class in (Database, Cache, *djobea_checks()):
            yield check_class()

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500 and not self._outage():
            response.status_code = 200
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["errors"] = self._outage()
        return context

    def _outage(self) -> bool:
        return any(r.error and not isinstance(r.error, ServiceWarning) for r in self.results)


health_view = DjobeaHealthView.as_view()


@never_cache
def live_view(request):
    """Liveness: the process answers. No database, no cache, nothing else."""
    return HttpResponse("ok\n", content_type="text/plain")


def run_djobea_checks() -> dict:
    """Djobea's own checks run in this thread (for the monitoring API): {name: {status, detail}}."""
    results = {}
    for check_class in djobea_checks():
        try:
            check_class().check()
        except ServiceWarning as exc:
            results[check_class.__name__] = {"status": "warning", "detail": exc.message}
        except HealthCheckException as exc:
            results[check_class.__name__] = {"status": "error", "detail": exc.message}
        else:
            results[check_class.__name__] = {"status": "ok", "detail": ""}
    return results


def overall(results: dict) -> str:
    statuses = {r["status"] for r in results.values()}
    return "error" if "error" in statuses else "warning" if "warning" in statuses else "ok"
