"""django-q2 entry points for inbound messages. Thin and safe to run twice: state lives in our tables."""

from messaging.inbound import processing, spool


def process_inbound(message_id: int) -> str:
    """Queued on commit by the webhook: process this message if it is still due and unclaimed."""
    return processing.inbound_process(message_id=message_id)


def retry_due_inbound() -> int:
    """Every minute: retry failed messages whose backoff has passed, and received ones never processed."""
    return processing.inbound_retry_due()


def drain_spool() -> dict[str, int]:
    """Every minute: store webhooks spooled on this node while the database was down (web processes
    also drain every few seconds, see messaging.inbound.spool)."""
    return spool.spool_drain()
