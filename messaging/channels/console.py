"""The default channel: logs the message (the Notification and its DeliveryAttempt are the record).

Settings inject failures for demos and tests: CONSOLE_FAIL_RATE (0..1) of the sends on
CONSOLE_FAIL_CHANNELS fail with CONSOLE_FAIL_CODE; CONSOLE_DELAY_SECONDS slows every send.
"""

import logging
import random
import time
import uuid

from django.conf import settings

from core.phones import mask_phone
from messaging.channels.base import Channel, ChannelError, OutgoingMessage, SendResult

logger = logging.getLogger(__name__)


class ConsoleChannel(Channel):
    """Stands in for WhatsApp and SMS when MESSAGING_BACKEND=console."""

    def send(self, message: OutgoingMessage) -> SendResult:
        if settings.CONSOLE_DELAY_SECONDS > 0:
            time.sleep(settings.CONSOLE_DELAY_SECONDS)  # a simulated provider latency, not a retry
        self._maybe_fail()
        sid = f"CONSOLE{uuid.uuid4().hex[:26]}"
        what = f"template {message.template_sid}" if message.template_sid else "text"
        logger.info(  # message bodies stay out of info logs (personal data): the text is at debug level
            "console %s → %s (%s, notification %s, %s characters)",
            self.kind, mask_phone(message.to_phone), what, message.notification_id, len(message.body),
        )
        logger.debug("console %s notification %s text: %s", self.kind, message.notification_id, message.body)
        return SendResult(provider_sid=sid)

    def _maybe_fail(self) -> None:
        rate = settings.CONSOLE_FAIL_RATE
        if rate <= 0 or self.kind not in settings.CONSOLE_FAIL_CHANNELS:
            return
        if rate >= 1 or random.random() < rate:  # noqa: S311 (fault injection, not security)
            code = settings.CONSOLE_FAIL_CODE or "http_503"
            raise ChannelError(code, f"injected failure on the console {self.kind} channel")
