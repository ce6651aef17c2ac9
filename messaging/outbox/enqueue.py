"""The outbox: domain code records a message to send; the dispatcher delivers it.

Call ``enqueue`` inside the transaction that causes the message, so a message exists iff that
change committed. The same idempotency key twice is one message.
"""

import logging

from django.utils import timezone

from core.db import insert_once
from core.phones import CHANNEL_PREFIXES, mask_phone
from messaging.channels import channel_spec
from messaging.models import DUE_STATUSES, Channel, Notification, NotificationStatus, Priority
from messaging.outbox.wake import outbox_wake_on_commit
from reliability.dead_letters import dead_letter_close

logger = logging.getLogger(__name__)

DEFAULT_CHAIN = (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL)


def channel_chain(*, phone: str | None, email: str, channels: list[str] | None = None) -> list[str]:
    """The ordered fallback chain, keeping only the channels the recipient has an address for."""
    wanted = list(channels) if channels else list(DEFAULT_CHAIN)
    unknown = [c for c in wanted if c not in Channel.values]
    if unknown:
        raise ValueError(f"unknown channel(s): {unknown}")
    chain = []
    for kind in wanted:
        has_address = bool(phone) if channel_spec(kind).address == "phone" else bool(email)
        if has_address and kind not in chain:
            chain.append(kind)
    return chain


def enqueue(
    *,
    key: str,
    body: str,
    phone: str | None = None,
    email: str = "",
    language: str = "fr",
    priority: int = Priority.NORMAL,
    channels: list[str] | None = None,
    subject: str = "",
    template_sid: str = "",
    template_variables: dict | None = None,
) -> Notification:
    """Record a message in the outbox (idempotent on ``key``); the outbox worker is woken once committed."""
    if not key:
        raise ValueError("an idempotency key is required")
    phone = _bare_phone(phone)
    chain = channel_chain(phone=phone, email=email, channels=channels)
    if not chain:
        raise ValueError(f"no channel can reach this recipient ({mask_phone(phone or '')!s}, email={bool(email)})")
    defaults = {
        "recipient_phone": phone or "",
        "recipient_email": email,
        "language": language,
        "body": body,
        "priority": int(priority),
        "channels": chain,
        "channel": chain[0],
        "subject": subject,
        "template_sid": template_sid,
        "template_variables": template_variables or {},
        "status": NotificationStatus.PENDING,
        "next_attempt_at": timezone.now(),
    }
    notification, created = _get_or_create(key=key, defaults=defaults)
    if created:
        logger.info("notification %s queued on %s for %s", notification.pk, chain, mask_phone(phone or ""))
        outbox_wake_on_commit()
    return notification


def _bare_phone(phone: str | None) -> str:
    """Callers may pass Twilio's "whatsapp:+237…" form; the outbox stores the E.164 number."""
    value = (phone or "").strip()
    for prefix in CHANNEL_PREFIXES:
        if value.lower().startswith(prefix):
            return value[len(prefix):]
    return value


def _get_or_create(*, key: str, defaults: dict) -> tuple[Notification, bool]:
    """Insert first (the usual case: one statement, no savepoint); the same key again is the existing row."""
    notification = Notification(idempotency_key=key, **defaults)
    if insert_once(notification, unique="idempotency_key"):
        return notification, True
    return Notification.objects.get(idempotency_key=key), False


def notification_requeue(*, notification_id: int, reason: str = "") -> bool:
    """Put a failed or dead notification back on its first channel, due now. Idempotent.

    Returns False when the notification is already pending, sending or delivered.
    """
    requeueable = [NotificationStatus.FAILED, NotificationStatus.DEAD, NotificationStatus.UNKNOWN]
    notification = Notification.objects.filter(pk=notification_id).only("channels").first()
    if notification is None or not notification.channels:
        return False
    updated = Notification.objects.filter(pk=notification_id, status__in=requeueable).update(
        status=NotificationStatus.PENDING,
        channel=notification.channels[0],
        attempts=0,
        next_attempt_at=timezone.now(),
        claimed_until=None,
        last_error=reason or "requeued",
        updated_at=timezone.now(),
    )
    if updated:
        dead_letter_close(kind="notification", object_id=notification_id)
        outbox_wake_on_commit()
    return bool(updated)


def notification_redrive(dead_letter) -> None:
    """Redrive handler for dead letters of kind "notification" (registered in MessagingConfig.ready)."""
    notification_requeue(notification_id=int(dead_letter.object_id),
                         reason=f"redriven from dead letter {dead_letter.support_code}")


def notification_retry_now(*, ids, user) -> int:
    """Staff's "retry now": waiting rows become due at once; dead ones go through their dead letter's redrive."""
    from reliability.dead_letters import dead_letter_redrive
    from reliability.models import DeadLetter

    ids = list(ids)
    due_ids = list(Notification.objects.filter(pk__in=ids, status__in=DUE_STATUSES).values_list("pk", flat=True))
    Notification.objects.filter(pk__in=due_ids, status__in=DUE_STATUSES).update(next_attempt_at=timezone.now())
    dead = Notification.objects.filter(pk__in=ids, status=NotificationStatus.DEAD).values_list("pk", flat=True)
    letters = DeadLetter.objects.filter(kind="notification", object_id__in=[str(pk) for pk in dead],
                                        redriven_at__isnull=True).values_list("pk", flat=True)
    redriven = dead_letter_redrive(ids=list(letters), user=user)
    if due_ids:
        outbox_wake_on_commit()
    return len(due_ids) + redriven
