"""Entry point for every inbound WhatsApp/SMS message: read what it is, then route it by sender.

Called by messaging (settings.MESSAGING_INBOUND_HANDLER) in the task cluster, inside
transaction.atomic(): everything written here, replies included (the outbox), commits together.
If it raises, messaging retries and finally tells the sender a support code. Every path sends at
least one reply, except a reaction (answering a 👍 would only be noise).
"""

import logging

from django.conf import settings

from core.phones import mask_phone
from marketplace.inbound.client import handle_client_message
from marketplace.inbound.optout import opt_in_or_out
from marketplace.inbound.provider import handle_provider_message
from marketplace.inbound.whatsapp import Kind, read_incoming
from marketplace.intake.answers import detect_command, has_words, interpret_answer
from marketplace.intake.base import get_parser, remember_parse
from marketplace.intake.session import intake_history
from marketplace.models import Client, IntakeSession, Provider
from marketplace.notify import Replier
from messaging.models import Conversation, InboundMessage, Priority

logger = logging.getLogger(__name__)

def handle_inbound(message: InboundMessage) -> None:
    incoming = read_incoming(message)
    if incoming.kind == Kind.REACTION:
        logger.info("inbound %s is a reaction: nothing to answer", message.provider_sid)
        return
    provider = Provider.objects.filter(phone=message.sender).first()
    if provider is not None:
        logger.info("inbound %s from provider %s", message.provider_sid, provider.pk)
        reply = Replier(
            message_sid=message.provider_sid, phone=provider.phone, language=provider.language, priority=Priority.HIGH
        )
        if not opt_in_or_out(incoming.kind, person=provider, reply=reply):
            handle_provider_message(provider=provider, text=incoming.text, reply=reply)
        return
    client, conversation = _client_and_conversation(message)
    logger.info("inbound %s from client %s", message.provider_sid, mask_phone(client.phone))
    reply = Replier(message_sid=message.provider_sid, phone=client.phone, language=client.language)
    if not opt_in_or_out(incoming.kind, person=client, reply=reply):
        handle_client_message(incoming, client=client, conversation=conversation, reply=reply)


def prepare_inbound(message: InboundMessage) -> None:
    """Optional step BEFORE the handler's transaction: run a networked parser (llm) outside it.

    The result waits in process memory for handle_inbound (same worker, right after); without this
    step handle_inbound parses by itself. With the offline rules parser there is nothing to prepare.
    """
    text = (message.body or "").strip()
    if settings.AI_BACKEND == "rules" or not has_words(text) or detect_command(text):
        return
    if len(text.split()) <= 3 and interpret_answer(text) is not None:
        return  # most likely "OUI" to a summary or to an offer: nothing to parse
    if Provider.objects.filter(phone=message.sender).exists():
        return
    client = Client.objects.filter(phone=message.sender).first()
    language, history = (client.language, intake_history(client)) if client else ("fr", [])
    remember_parse(message.provider_sid, get_parser().parse(text, language_hint=language, history=history))


def _client_and_conversation(message: InboundMessage) -> tuple[Client, Conversation]:
    client, created = Client.objects.get_or_create(
        phone=message.sender, defaults={"name": (message.profile_name or "")[:120]}
    )
    if created:
        client.intake = IntakeSession(client=client)  # a new client has no session yet: spare the lookup
    elif not client.name and message.profile_name:
        client.name = message.profile_name[:120]
        client.save(update_fields=["name", "updated_at"])
    conversation, _ = Conversation.objects.get_or_create(
        phone=message.sender, defaults={"channel": message.channel, "language": client.language}
    )
    return client, conversation
