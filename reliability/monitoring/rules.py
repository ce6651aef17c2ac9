"""Alert rules, evaluated every minute by the task cluster (djobea/schedules.py).

Each rule raises its alert while its condition holds and resolves it when it clears; the dedup
key and the cool-down in reliability.alerts keep staff from being spammed. The same run refreshes
the computed degradation level. Lives here (not in reliability.alerts) because the rules read the
other apps, which only reliability.monitoring may do.
"""

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.i18n import Message, label, text
from marketplace import selectors as market
from messaging import selectors as messaging
from reliability import background, degradation, health
from reliability.alerts import raise_alert, resolve_alert
from reliability.breakers import NAMES as BREAKER_NAMES
from reliability.models import Severity
from reliability.monitoring.status import StatusClass, delivery_status
from reliability.task_context import current_task

logger = logging.getLogger(__name__)


def _set(key: str, firing: bool, *, severity: str, title: Message, detail: Message | str = "") -> bool:
    if firing:
        raise_alert(key=key, severity=severity, title=title, detail=detail)
    else:
        resolve_alert(key=key)
    return firing


def rule_status(status: dict) -> None:
    cls = status["status"]
    rate = float(status["success_rate"]) if status["success_rate"] is not None else None
    detail = text(gettext_noop("%(rate)s %% of %(total)s final outcomes delivered in the last hour."),
                  rate=label("decimal", rate), total=status["total"])
    _set("status:critical", cls == StatusClass.CRITICAL, severity=Severity.CRITICAL,
         title=text(gettext_noop("Delivery status is Critical")), detail=detail)
    _set("status:degraded", cls == StatusClass.DEGRADED, severity=Severity.WARNING,
         title=text(gettext_noop("Delivery status is Degraded")), detail=detail)


PHONE_FALLBACK = {"whatsapp": "sms", "sms": "whatsapp"}


def breaker_detail(name: str, open_names: list[str]) -> Message:
    """What an open breaker means right now: who carries the work, if anyone."""
    fallback = PHONE_FALLBACK.get(name)
    if fallback and fallback not in open_names:
        return text(gettext_noop("Calls to %(name)s are blocked; %(fallback)s carries the messages meanwhile."),
                    name=name, fallback=label("channel", fallback))
    if fallback:
        return text(gettext_noop("Calls to %(name)s are blocked and no phone channel works: messages wait in the "
                                 "outbox until one is back."), name=name)
    if name == "ai":
        return text(gettext_noop("Calls to the AI parser are blocked; the rules parser reads requests meanwhile."))
    return text(gettext_noop("Calls to %(name)s are blocked; its messages wait in the outbox."), name=name)


def rule_breakers(open_names: list[str], known: list[str]) -> None:
    for name in sorted(set(known) | set(open_names)):
        _set(f"breaker:{name}", name in open_names, severity=Severity.CRITICAL,
             title=text(gettext_noop("Circuit breaker “%(name)s” is open"), name=name),
             detail=breaker_detail(name, open_names))


def rule_quotas() -> None:
    for row in messaging.quota_usage():
        _set(f"quota:{row['channel']}", row["is_spent"], severity=Severity.WARNING,
             title=text(gettext_noop("Daily %(channel)s quota spent"), channel=label("channel", row["channel"])),
             detail=text(gettext_noop("%(used)s sent in 24 h (limit %(limit)s)."), used=row["used"],
                         limit=row["limit"]))


def rule_dead_letters() -> None:
    count = health.dead_letters_last_hour()
    _set("dead_letters:growing", count >= settings.DEAD_LETTER_GROWTH_THRESHOLD, severity=Severity.WARNING,
         title=text(gettext_noop("Dead letters are growing")),
         detail=text(gettext_noop("%(n)s new dead letters in the last hour."), n=count))


def rule_outbox_lag(lag: float) -> None:
    _set("outbox:lag", lag >= settings.OUTBOX_LAG_WARNING_SECONDS,
         severity=Severity.CRITICAL if lag >= settings.OUTBOX_LAG_CRITICAL_SECONDS else Severity.WARNING,
         title=text(gettext_noop("Outbox is behind")),
         detail=text(gettext_noop("The oldest due message waits for %(s)s s."), s=int(lag)))


def rule_heartbeat(ok: bool) -> None:
    health.heartbeat_alert_update(ok=ok)


def rule_twilio_config() -> None:
    from messaging.twilio_config import twilio_config_status

    problems = twilio_config_status()["problem_messages"]
    _set("twilio-config", bool(problems), severity=Severity.WARNING,
         title=text(gettext_noop("Twilio configuration is wrong")), detail=problems)


def rule_escalations() -> None:
    count = market.escalated_request_count()
    _set("requests:escalated", count > 0, severity=Severity.WARNING,
         title=text(gettext_noop("Requests escalated to staff")),
         detail=text(gettext_noop("%(n)s request(s) found no provider and need a person."), n=count))


def evaluate_alerts() -> dict:
    """Run every rule once; returns the facts it saw (for logs and tests)."""
    if current_task():
        # Running as a schedule proves the cluster runs schedules: right after a start this evaluation
        # may come before the first heartbeat, and must not take the cluster for dead (level critical).
        health.heartbeat_beat()
    status = delivery_status(now=timezone.now())
    open_names = degradation.open_breakers()
    lag = messaging.outbox_lag_seconds()
    beat_ok = health.heartbeat_ok()
    rule_status(status)
    rule_breakers(open_names, known=list(BREAKER_NAMES))
    rule_quotas()
    rule_dead_letters()
    rule_outbox_lag(lag)
    rule_heartbeat(beat_ok)
    rule_escalations()
    rule_twilio_config()
    failures = background.rule_task_failures()
    late = background.rule_schedules_late()
    level = degradation.degradation_refresh(
        open_breaker_names=degradation.refusing_breakers(), heartbeat_ok=beat_ok, outbox_lag_seconds=lag,
        status=status["status"]
    )
    logger.info("alerts evaluated: status=%s breakers=%s lag=%.0fs level=%s",
                status["status"], open_names, lag, level)
    return {"status": status["status"], "open_breakers": open_names, "lag": lag, "level": level,
            "task_failures": failures["count"], "late_schedules": [row["name"] for row in late]}
