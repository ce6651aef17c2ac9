"""Channel backends, loaded by dotted path from settings.MESSAGING_CHANNEL_BACKENDS[MESSAGING_BACKEND]."""

from django.conf import settings
from django.utils.module_loading import import_string

from messaging.channels.base import Channel, ChannelError, OutgoingMessage, SendResult

__all__ = ["Channel", "ChannelError", "OutgoingMessage", "SendResult", "get_channel"]


def get_channel(kind: str) -> Channel:
    backends = settings.MESSAGING_CHANNEL_BACKENDS[settings.MESSAGING_BACKEND]
    return import_string(backends[kind])(kind)
