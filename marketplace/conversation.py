"""Entry point for every inbound WhatsApp/SMS message: route it by sender.

Called by messaging (settings.MESSAGING_INBOUND_HANDLER) in the task cluster, inside
transaction.atomic(): everything written here, replies included (the outbox), commits together.
If it raises, messaging retries and finally tells the sender a support code. Every path below
sends at least one reply.
"""

import logging

from djobea.phones import mask_phone
from marketplace import texts
from marketplace.client_commands import run_command
from marketplace.intake.answers import detect_command, extract_reference, has_words
from marketplace.intake.flow import intake_step
from marketplace.models import Client, Provider, RequestStatus
from marketplace.notify import Replier
from marketplace.provider_replies import handle_provider_message
from messaging.models import Conversation, InboundMessage, Priority

logger = logging.getLogger(__name__)

SEARCH_IN_PROGRESS = [RequestStatus.SEARCHING, RequestStatus.OFFERED, RequestStatus.ESCALATED]


def handle_inbound(message: InboundMessage) -> None:
    text = (message.body or "").strip()
    provider = Provider.objects.filter(phone=message.sender).first()
    if provider is not None:
        logger.info("inbound %s from provider %s", message.provider_sid, provider.pk)
        reply = Replier(
            message_sid=message.provider_sid, phone=provider.phone, language=provider.language, priority=Priority.HIGH
        )
        handle_provider_message(provider=provider, text=text, reply=reply)
        return
    client, conversation = _client_and_conversation(message)
    logger.info("inbound %s from client %s", message.provider_sid, mask_phone(client.phone))
    reply = Replier(message_sid=message.provider_sid, phone=client.phone, language=client.language)
    handle_client_message(text=text, has_media=bool(message.media), client=client, conversation=conversation,
                          reply=reply)


def _client_and_conversation(message: InboundMessage) -> tuple[Client, Conversation]:
    client, created = Client.objects.get_or_create(
        phone=message.sender, defaults={"name": (message.profile_name or "")[:120]}
    )
    if not created and not client.name and message.profile_name:
        client.name = message.profile_name[:120]
        client.save(update_fields=["name", "updated_at"])
    conversation, _ = Conversation.objects.get_or_create(
        phone=message.sender, defaults={"channel": message.channel, "language": client.language}
    )
    return client, conversation


def handle_client_message(
    *, text: str, has_media: bool, client: Client, conversation: Conversation, reply: Replier
) -> None:
    if not text:
        reply.say("media_only" if has_media else "emoji_only")
        return
    command = detect_command(text)
    if command:
        name, language = command
        if language:
            reply.language = language
            Client.objects.filter(pk=client.pk).update(language=language)
            client.language = language
        run_command(name, client=client, conversation=conversation, reply=reply, reference=extract_reference(text))
        return
    if not has_words(text) and conversation.slots.get("awaiting") != "confirm":
        reply.say("emoji_only")
        return
    # One search at a time per client; once a provider is assigned, a new need starts a new request.
    open_request = client.requests.filter(status__in=SEARCH_IN_PROGRESS).order_by("-created_at").first()
    if open_request is not None and not conversation.slots:
        status = texts.status_name(open_request.status, reply.language)
        reply.say("already_open", reference=open_request.reference, status=status)
        return
    intake_step(text=text, client=client, conversation=conversation, reply=reply)
