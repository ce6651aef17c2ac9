"""The outbound side of messaging: the outbox and everything that delivers it.

``enqueue`` records a message (call it inside the transaction that causes it); the outbox worker
(``manage.py outbox_worker``) claims due rows in batches and sends them concurrently; ``outcomes``
is the one module that decides what follows a send's outcome; ``receipts`` applies Twilio's status
callbacks. The names below are the public API other apps use.
"""

from messaging.outbox.enqueue import (
    channel_chain,
    enqueue,
    notification_redrive,
    notification_requeue,
    notification_retry_now,
)

__all__ = ["channel_chain", "enqueue", "notification_redrive", "notification_requeue", "notification_retry_now"]
