"""django-q2 entry points for inbound messages. Thin and safe to run twice: state lives in our tables."""

from messaging import inbound


def process_inbound(message_id: int) -> str:
    """Queued on commit by the webhook: process this message if it is still due and unclaimed."""
    return inbound.inbound_process(message_id=message_id)


def retry_due_inbound() -> int:
    """Every minute: retry failed messages whose backoff has passed, and received ones never processed."""
    return inbound.inbound_retry_due()
