"""Channels: each declared once in settings.MESSAGING_CHANNELS (read here as a ``ChannelSpec``), each backend a
small class chosen by MESSAGING_BACKEND. Adding a channel is one module plus one entry (and its name in
``messaging.models.Channel``, the stored value)."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from messaging.channels.base import Channel, ChannelError, OutgoingMessage, SendResult

__all__ = ["Channel", "ChannelError", "ChannelSpec", "OutgoingMessage", "SendResult", "channel_spec", "get_channel"]


@dataclass(frozen=True)
class ChannelSpec:
    kind: str
    address: str  # what the recipient needs on this channel: "phone" or "email"
    backends: dict  # MESSAGING_BACKEND → class path
    retry: dict  # full-jitter backoff: base, cap (seconds), attempts before the next channel
    breaker: dict  # reliability.breakers settings for the breaker named after the channel
    daily_limit: int | None  # rolling 24-hour quota; None: unlimited
    max_per_second: int | None  # per-sender ceiling, shared by every node
    concurrency: int  # the outbox worker's concurrent sends on this channel


def channel_spec(kind: str) -> ChannelSpec:
    return ChannelSpec(kind=kind, **settings.MESSAGING_CHANNELS[kind])


def get_channel(kind: str) -> Channel:
    return import_string(channel_spec(kind).backends[settings.MESSAGING_BACKEND])(kind)
