"""Test doubles of the DOMAIN handler (settings.MESSAGING_INBOUND_HANDLER points here in tests).

The messaging app is handler-agnostic by design, so its own tests plug in these small handlers.
"""

from messaging.models import Conversation
from messaging.outbox import enqueue

CALLS: list[str] = []


def record(message) -> None:
    CALLS.append(message.provider_sid)


def echo(message) -> None:
    CALLS.append(message.provider_sid)
    enqueue(key=f"echo:{message.provider_sid}", body=f"echo: {message.body}", phone=message.sender)


def explode(message) -> None:
    """Writes something, then fails: the write must be rolled back with the failure."""
    CALLS.append(message.provider_sid)
    Conversation.objects.filter(phone=message.sender).update(language="en")
    raise RuntimeError(f"handler exploded while talking to {message.sender}")


def fail_first(message) -> None:
    CALLS.append(message.provider_sid)
    if message.attempts == 1:  # message.attempts counts this attempt
        raise RuntimeError("first attempt fails")


EVENTS: list[tuple[str, str]] = []


def hold(message) -> None:
    """Records when it starts and ends, taking a moment in between (for the per-sender lock test)."""
    import time

    EVENTS.append(("start", message.provider_sid))
    time.sleep(0.3)
    EVENTS.append(("end", message.provider_sid))


def die(message) -> None:
    """Stands for the worker being killed mid-handler (not an Exception: nothing of ours catches it)."""
    CALLS.append(message.provider_sid)
    raise KeyboardInterrupt("worker killed")
