"""Entry point for every inbound WhatsApp/SMS message: route it by sender.

Called by messaging (settings.MESSAGING_INBOUND_HANDLER) in the task cluster, inside
transaction.atomic(): everything written here, replies included (the outbox), commits together.
If it raises, messaging retries and finally tells the sender a support code. Every path below
sends at least one reply.
"""

import logging

from django.conf import settings

from djobea.phones import mask_phone
from marketplace.client_commands import run_command
from marketplace.inbound.intents import answer_intent, detect_intent
from marketplace.inbound.searching import while_searching
from marketplace.intake.answers import detect_command, extract_reference, has_words, interpret_answer
from marketplace.intake.base import get_parser, remember_parse
from marketplace.intake.flow import intake_step
from marketplace.intake.session import session_for
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
    language = Client.objects.filter(phone=message.sender).values_list("language", flat=True).first() or "fr"
    remember_parse(message.provider_sid, get_parser().parse(text, language_hint=language))


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
    slots = session_for(client).slots
    command = detect_command(text)
    if command:
        _run_command(command, text=text, client=client, reply=reply, is_new=not slots)
        return
    if _answers_an_offer_it_never_got(text, client=client, reply=reply):
        return
    intent = detect_intent(text) if has_words(text) else None
    if intent is not None and answer_intent(intent, client=client, reply=reply, text=text):
        return
    if not has_words(text) and slots.get("awaiting") != "confirm":
        reply.say("emoji_only")
        return
    # One search at a time per client; once a provider is assigned, a new need starts a new request.
    open_request = client.requests.filter(status__in=SEARCH_IN_PROGRESS).order_by("-created_at").first()
    if open_request is not None and not slots:
        while_searching(service_request=open_request, text=text, client=client, conversation=conversation,
                        reply=reply)
        return
    intake_step(text=text, client=client, conversation=conversation, reply=reply)


def _run_command(command: tuple[str, str | None], *, text: str, client: Client, reply: Replier, is_new: bool):
    """Answer in the client's language; the command word's language only tells us about a newcomer."""
    name, language = command
    if language and is_new and not client.requests.exists():
        reply.language = client.language = language
        Client.objects.filter(pk=client.pk).update(language=language)
    run_command(name, client=client, reply=reply, reference=extract_reference(text))


def _answers_an_offer_it_never_got(text: str, *, client: Client, reply: Replier) -> bool:
    """"OUI DJB-000003" from a number that is no provider (and not about its own request): say so."""
    reference = extract_reference(text)
    if reference is None or interpret_answer(text) is None or client.requests.filter(pk=reference).exists():
        return False
    reply.say("not_a_provider", reference=f"DJB-{reference:06d}")
    return True
