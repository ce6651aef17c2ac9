"""A client's message, routed: photos and other WhatsApp kinds, commands, intents, the open search, intake."""

from marketplace.inbound.commands import run_command
from marketplace.inbound.intents import answer_intent, detect_intent
from marketplace.inbound.searching import while_searching
from marketplace.inbound.whatsapp import Incoming, Kind, nearest_zone
from marketplace.intake.answers import detect_command, extract_reference, has_words, interpret_answer
from marketplace.intake.flow import intake_step
from marketplace.intake.rules import ENGLISH_MARKERS, FRENCH_MARKERS, RulesParser
from marketplace.intake.session import add_photos, ask_next, session_for, session_save
from marketplace.intake.text import normalize
from marketplace.models import Client, RequestStatus, ServiceRequest
from marketplace.notify import Replier
from messaging.models import Conversation

SEARCH_IN_PROGRESS = [RequestStatus.SEARCHING, RequestStatus.OFFERED, RequestStatus.ESCALATED]
PHOTO_TARGETS = [*SEARCH_IN_PROGRESS, RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS]
KIND_ANSWERS = {Kind.VOICE: "voice_note", Kind.STICKER: "sticker", Kind.CONTACT: "contact_card",
                Kind.UNSUPPORTED: "unsupported"}
PIDGIN_MARKERS = frozenset("abeg wan dey di na una wey sabi don no fit make pikin".split())


def handle_client_message(incoming: Incoming, *, client: Client, conversation: Conversation, reply: Replier) -> None:
    if incoming.kind in KIND_ANSWERS:
        reply.say(KIND_ANSWERS[incoming.kind])
        return
    if incoming.attachments:
        _attach(incoming.attachments, client=client, reply=reply, alone=not incoming.text)
    text = incoming.text
    if incoming.kind == Kind.LOCATION:
        zone = nearest_zone(incoming.latitude, incoming.longitude)
        if zone is None:
            reply.say("location_unknown")
            return
        text = zone.name  # the nearest known quarter, read as if the client had typed it
    if text:
        _handle_text(text, client=client, conversation=conversation, reply=reply)
    elif not incoming.attachments:
        reply.say("emoji_only")


def _open_request(client: Client, statuses) -> ServiceRequest | None:
    return client.requests.filter(status__in=statuses).order_by("-created_at").first()


def _attach(urls: list[str], *, client: Client, reply: Replier, alone: bool) -> None:
    """Photos join the intake in progress, else the open request (the provider sees them with the offer)."""
    session = session_for(client)
    request = None if session.slots else _open_request(client, PHOTO_TARGETS)
    if request is not None:
        ServiceRequest.objects.filter(pk=request.pk).update(photos=[*request.photos, *urls])
        if alone:
            reply.say("media_added", reference=request.reference)
        return
    slots = dict(session.slots)
    add_photos(slots, urls)
    if alone:
        reply.say("media_received")
        ask_next(slots, reply=reply, language=client.language)
    session_save(session, slots)


def _handle_text(text: str, *, client: Client, conversation: Conversation, reply: Replier) -> None:
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
        reply.say("unknown_language" if any(ch.isalpha() for ch in text) else "emoji_only")
        return
    if not slots.get("awaiting") and _in_another_language(text):
        reply.say("unknown_language")
        return
    # One search at a time per client; once a provider is assigned, a new need starts a new request.
    open_request = _open_request(client, SEARCH_IN_PROGRESS)
    if open_request is not None and not slots.get("awaiting"):
        while_searching(service_request=open_request, text=text, client=client, conversation=conversation,
                        reply=reply)
        return
    intake_step(text=text, client=client, conversation=conversation, reply=reply)


def _in_another_language(text: str) -> bool:
    """Several words, none French, English or Pidgin, naming no trade and no quarter."""
    tokens = normalize(text).split()
    if len(tokens) < 3 or any(t in FRENCH_MARKERS or t in ENGLISH_MARKERS or t in PIDGIN_MARKERS for t in tokens):
        return False
    parsed = RulesParser().parse(text)
    return parsed.category_slug is None and parsed.zone_id is None


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
