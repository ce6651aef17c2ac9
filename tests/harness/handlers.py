"""The inbound handler of the fault runs (``MESSAGING_INBOUND_HANDLER``): one reply per handling.

Its idempotency key is new at every call, so a message handled twice (two committed runs of the
handler) leaves two replies: "processed exactly once" is then one reply per MessageSid.
"""

import uuid

from tests.harness.traffic import REPLY_PREFIX


def reply_once(message) -> None:
    from messaging.outbox import enqueue

    key = f"{REPLY_PREFIX}:{message.provider_sid}:{uuid.uuid4().hex}"
    enqueue(key=key, body=f"reply to {message.provider_sid} [{key}]", phone=message.sender)
