"""The channel interface: one small class per provider, chosen by settings.

A channel talks only to its provider: no database writes, no sleeping, no retrying. A failure
raises ``ChannelError``; the policy table decides what its code means and the dispatcher acts.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel needs to send one notification (no ORM object crosses this line)."""

    notification_id: int
    to_phone: str
    to_email: str
    body: str
    subject: str = ""
    language: str = "fr"
    template_sid: str = ""
    template_variables: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_sid: str


class ChannelError(Exception):
    """A failed send. ``code`` is a Twilio error code or one of ours ("timeout", "http_503" …).

    ``http_status`` is classified before the code (any 5xx or 429 is transient).
    ``outcome_unknown`` is true when the request may have reached the provider (read timeout):
    the dispatcher must look the message up before sending it again.
    """

    def __init__(self, code: str, message: str, retry_after: float | None = None, *, outcome_unknown: bool = False,
                 http_status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = str(code)
        self.message = message
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown
        self.http_status = http_status  # the provider's HTTP answer, when there was one


@dataclass(frozen=True)
class ProviderStatus:
    """What the provider says of a message it accepted (a status callback we may never have received)."""

    status: str  # Twilio's: queued, sent, delivered, read, undelivered, failed …
    error_code: str = ""


class Channel:
    kind: str = ""
    has_receipts: bool = False  # the provider reports delivery (status callbacks) for what it accepted

    def __init__(self, kind: str | None = None):
        if kind:
            self.kind = kind

    def is_configured(self) -> bool:
        return True

    def send(self, message: OutgoingMessage) -> SendResult:
        raise NotImplementedError

    def can_lookup(self) -> bool:
        """Whether ``lookup`` can find an already sent message (for unknown outcomes)."""
        return False

    def lookup(self, message: OutgoingMessage, *, since: datetime) -> list[str]:
        """Provider ids of messages like ``message`` sent to its recipient since ``since``, oldest first."""
        return []

    def fetch_status(self, provider_sid: str) -> ProviderStatus:
        """The provider's current status of a message it accepted (only channels with receipts)."""
        raise NotImplementedError
