"""django-q2 entry points for the outbox. Thin and safe to run twice: state lives in our tables."""

from messaging import dispatcher


def notification_dispatch_task(notification_id: int) -> int:
    """Low-latency path, queued on commit by ``enqueue``: send this one if it is still due."""
    return dispatcher.notification_dispatch(notification_id=notification_id)


def outbox_dispatch_due_task() -> int:
    """Safety net schedule: recover expired leases, then send whatever is due."""
    dispatcher.leases_recover()
    return dispatcher.dispatch_due()
