"""Alerts for staff: raised by rules, deduplicated by key, sent with a cool-down, never spammed.

``raise_alert`` is the one door (rules here, escalations in the marketplace). An alert stays one
row per dedup key while it is open or acknowledged (a partial unique constraint guarantees it);
repeated raises only bump its count and last-seen time. Staff are notified (email to
``STAFF_ALERT_EMAILS``, optional Slack-compatible ``ALERT_WEBHOOK_URL``) when an alert opens and
again at most once per ``ALERT_COOLDOWN_MINUTES`` while it keeps firing; acknowledged alerts stay
quiet. Notifying happens after commit, outside any transaction, with a timeout.
"""

import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.i18n import Message, stored
from reliability.models import Alert, AlertStatus, Severity

logger = logging.getLogger(__name__)

ACTIVE = ~Q(status=AlertStatus.RESOLVED)
SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.CRITICAL: 3}


def raise_alert(*, key: str, severity: str, title: str | Message, detail: str | Message = "") -> Alert:
    """Open the alert ``key`` or bump the active one; notify staff unless it is cooling down.

    ``title`` and ``detail`` are messages (core.i18n.text), so every reader gets them in their language.
    """
    now = timezone.now()
    title_message, title_text = stored(title)
    detail_message, detail_text = stored(detail)
    texts = {"title": title_text[:200], "detail": detail_text, "title_message": title_message,
             "detail_message": detail_message}
    alert = _bump_or_create(key=key, severity=severity, texts=texts, now=now)
    if _claim_notification(alert, now=now):
        alert_id = alert.pk
        transaction.on_commit(lambda: alert_notify(alert_id=alert_id))
    return alert


def _bump_or_create(*, key: str, severity: str, texts: dict, now) -> Alert:
    for _attempt in range(2):  # a concurrent first raise wins the constraint; then we bump it
        updated = Alert.objects.filter(ACTIVE, dedup_key=key).update(count=F("count") + 1, last_seen_at=now, **texts)
        if updated:
            alert = Alert.objects.get(ACTIVE, dedup_key=key)
            if SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(alert.severity, 0):
                Alert.objects.filter(pk=alert.pk).update(severity=severity)
                alert.severity = severity
            return alert
        try:
            with transaction.atomic():
                return Alert.objects.create(
                    dedup_key=key, severity=severity, first_seen_at=now, last_seen_at=now, **texts
                )
        except IntegrityError:
            logger.info("alert %s opened concurrently; bumping it", key)
    return Alert.objects.get(ACTIVE, dedup_key=key)


def _claim_notification(alert: Alert, *, now) -> bool:
    """A conditional UPDATE: of several processes raising at once, exactly one notifies."""
    if alert.status != AlertStatus.OPEN:
        return False
    cutoff = now - timedelta(minutes=settings.ALERT_COOLDOWN_MINUTES)
    return bool(
        Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN)
        .filter(Q(last_notified_at__isnull=True) | Q(last_notified_at__lt=cutoff))
        .update(last_notified_at=now)
    )


def resolve_alert(*, key: str) -> int:
    """The condition behind ``key`` cleared: resolve its active alert (if any)."""
    now = timezone.now()
    return Alert.objects.filter(ACTIVE, dedup_key=key).update(status=AlertStatus.RESOLVED, resolved_at=now)


def alert_acknowledge(*, ids, user=None) -> int:
    updated = Alert.objects.filter(pk__in=ids, status=AlertStatus.OPEN).update(status=AlertStatus.ACKNOWLEDGED)
    logger.info("alerts %s acknowledged by %s", list(ids), user)
    return updated


def alert_resolve(*, ids, user=None) -> int:
    updated = Alert.objects.filter(ACTIVE, pk__in=ids).update(
        status=AlertStatus.RESOLVED, resolved_at=timezone.now()
    )
    logger.info("alerts %s resolved by %s", list(ids), user)
    return updated


def open_alerts(*, limit: int = 20) -> list[Alert]:
    return list(Alert.objects.filter(ACTIVE).order_by("status", "-last_seen_at")[:limit])


# --- Notifying staff ---------------------------------------------------------------------------

def alert_notify(*, alert_id: int) -> None:
    """Email staff and call the webhook, in ``LANGUAGE_CODE`` whoever raised the alert. Failures are logged
    with a support code, never raised."""
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title, detail = alert.title_display, alert.detail_display
        subject = f"[Djobea] {alert.get_severity_display()}: {title}"
        text = _("%(title)s\n\n%(detail)s\n\nSeen %(count)s time(s) since %(first)s.") % {
            "title": title, "detail": detail, "count": alert.count, "first": alert.first_seen_at,
        }
    if settings.STAFF_ALERT_EMAILS:
        _send_email(alert, subject, text)
    if settings.ALERT_WEBHOOK_URL:
        _post_webhook(alert, f"*{subject}*\n{detail}".strip())


def _send_email(alert: Alert, subject: str, text: str) -> None:
    try:
        send_mail(subject, text, None, settings.STAFF_ALERT_EMAILS, fail_silently=False)
    except OSError as exc:  # SMTP errors are OSError subclasses
        _record_notify_failure(alert, "email", exc)


def _post_webhook(alert: Alert, text: str) -> None:
    try:
        response = requests.post(
            settings.ALERT_WEBHOOK_URL, json={"text": text}, timeout=settings.ALERT_WEBHOOK_TIMEOUT_SECONDS
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        _record_notify_failure(alert, "webhook", exc)


def _record_notify_failure(alert: Alert, via: str, exc: BaseException) -> None:
    from reliability.errors import record_error

    event = record_error(
        category="alerting", message=f"alert {alert.dedup_key} could not be sent by {via}: {exc}",
        severity="error", context={"alert": alert.pk, "via": via}, subject=f"alert:{alert.pk}", exc=exc,
    )
    logger.error("alert %s not sent by %s (support code %s)", alert.dedup_key, via, event.support_code)
