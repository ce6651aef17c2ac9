"""django-q2 entry points for the outbox. Thin and safe to run twice: state lives in our tables."""

from django.conf import settings

from messaging.outbox import dispatch as dispatcher
from messaging.outbox import receipts, retention


def outbox_dispatch_due_task() -> int:
    """Safety net schedule: recover expired leases, then send whatever is due within the time budget."""
    dispatcher.leases_recover()
    return dispatcher.dispatch_due(time_budget=dispatch_time_budget())


def dispatch_time_budget() -> float:
    """Seconds a scheduled pass may start sends for: the last one may still need a send and a lookup
    (each up to the Twilio timeout) before django-q's task timeout."""
    return max(5.0, settings.Q_CLUSTER["timeout"] - 2 * settings.TWILIO_TIMEOUT_SECONDS - 10)


def outbox_receipts_task() -> dict[str, int]:
    """Every minute: apply stored status callbacks that can be now; look up messages SENT too long."""
    return {"callbacks_applied": receipts.status_callbacks_sweep(), "sent_checked": receipts.stale_sent_check()}


def outbox_prune_task() -> dict[str, int]:
    """Hourly: prune outbox rows past MESSAGING_RETENTION_DAYS (bounded batches)."""
    return retention.outbox_prune()
