"""What the fake answers a create with: scripted replies, injected faults, and the receipts that follow."""

from dataclasses import dataclass

# The HTTP status Twilio answers with for an error code at message creation.
ERROR_STATUS = {"20003": 401, "20429": 429, "63038": 429, "63018": 429, "20500": 500, "20503": 503}


@dataclass
class Reply:
    """One scripted answer. ``kind``: "ok", "error" (code + status), "slow" (sleep ``delay`` first),
    "drop" (store the message, then close the connection without answering)."""

    kind: str = "ok"
    code: str = ""
    status: int = 201
    message: str = ""
    retry_after: str | None = None
    delay: float = 0.0
    store: bool = True  # for "slow": the message reaches Twilio (unknown outcome) before the delay
    problem: bool = False  # answer in RFC 9457 form (the client raises TwilioServiceException)


def ok() -> Reply:
    return Reply("ok")


def error(code: int | str, *, status: int | None = None, retry_after: float | None = None,
          problem: bool = False) -> Reply:
    code = str(code)
    http_status = status or ERROR_STATUS.get(code, 400)
    return Reply("error", code=code, status=http_status, message=f"scripted error {code}",
                 retry_after=None if retry_after is None else str(retry_after), problem=problem)


def server_error(status: int = 503, *, retry_after: float | None = None) -> Reply:
    return Reply("error", code="", status=status, message="Service Unavailable",
                 retry_after=None if retry_after is None else str(retry_after))


def slow(delay: float, *, store: bool = True) -> Reply:
    return Reply("slow", delay=delay, store=store)


def drop() -> Reply:
    """The request reaches Twilio, which creates the message, but the connection breaks before the answer."""
    return Reply("drop")


@dataclass
class Fault:
    """Answer ``reply`` to a ``fraction`` of the creates that match (and no script answers).

    ``channel``: "whatsapp" (To is "whatsapp:…") or "sms"; ``recipients``: bare E.164 numbers;
    ``starts_at``/``ends_at``: a window on ``time.monotonic()``; ``limit``: at most this many hits.
    """

    reply: Reply
    fraction: float = 1.0
    channel: str | None = None
    recipients: frozenset[str] | None = None
    starts_at: float = 0.0
    ends_at: float | None = None
    limit: int | None = None
    name: str = ""
    hits: int = 0

    def applies(self, to: str, now: float) -> bool:
        if now < self.starts_at or (self.ends_at is not None and now >= self.ends_at):
            return False
        if self.limit is not None and self.hits >= self.limit:
            return False
        is_whatsapp = to.startswith("whatsapp:")
        if self.channel and self.channel != ("whatsapp" if is_whatsapp else "sms"):
            return False
        return self.recipients is None or to.removeprefix("whatsapp:") in self.recipients


@dataclass
class Receipts:
    """Twilio reporting the fate of accepted messages: after ``delay`` seconds each becomes delivered,
    or undelivered with ``undelivered_code`` for a ``undelivered_fraction`` of those on ``undelivered_channel``."""

    delay: float = 0.5
    undelivered_fraction: float = 0.0
    undelivered_code: str = "30003"
    undelivered_channel: str | None = "whatsapp"
