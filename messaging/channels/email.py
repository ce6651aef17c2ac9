"""Email through Django's configured email backend."""

import logging
import smtplib
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from messaging.channels.base import Channel, ChannelError, OutgoingMessage, SendResult

logger = logging.getLogger(__name__)


class EmailChannel(Channel):
    kind = "email"

    def is_configured(self) -> bool:
        return bool(settings.EMAIL_BACKEND)

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.to_email:
            raise ChannelError("no_address", "the recipient has no email address")
        with translation.override(message.language):
            subject = _("Djobea: a message for you")
        try:
            send_mail(subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.to_email], fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError("email_recipient_refused", str(exc)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError("email_unavailable", f"{type(exc).__name__}: {exc}") from exc
        return SendResult(provider_sid=f"EMAIL{uuid.uuid4().hex[:27]}")
