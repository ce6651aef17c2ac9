"""The client's intake: fill the slots (category, zone, description, urgency) one question at a time.

Slots live in Conversation.slots, with "awaiting" naming the question last asked. When all are
known the client gets a summary; "OUI"/"YES" creates the request, "NON"/"NO" starts over, and a
correction ("non, c'est à Makepe") updates the slots and asks again.
"""

from marketplace import texts
from marketplace.intake.answers import Answer, interpret_answer
from marketplace.intake.base import ParseResult, get_parser, take_parse
from marketplace.intake.rules import DESCRIPTION_MAX_CHARS, RulesParser
from marketplace.lifecycle import request_submit
from marketplace.models import Client, ServiceCategory, Urgency, Zone
from marketplace.notify import Replier
from messaging.models import Conversation

MIN_DESCRIPTION_WORDS = 3
SHORT_ANSWER_WORDS = 3  # "oui", "yes please", "non merci": an answer, not a correction


def intake_step(*, text: str, client: Client, conversation: Conversation, reply: Replier) -> None:
    slots = dict(conversation.slots or {})
    awaiting = slots.get("awaiting")
    answer = interpret_answer(text) if awaiting == "confirm" else None
    if answer is not None and _plain_answer(text):
        _answer_summary(answer, slots, client=client, conversation=conversation, reply=reply)
        return  # a plain "OUI"/"NO" needs no parser (nor an AI call)
    result = take_parse(reply.message_sid) or get_parser().parse(text, language_hint=conversation.language)
    if result.language_detected:
        _set_language(client, conversation, reply, result.language)
    changed = _merge(slots, result, text=text, awaiting=awaiting)
    if answer is not None and not changed:
        _answer_summary(answer, slots, client=client, conversation=conversation, reply=reply)
        return
    _ask_next(slots, reply=reply, language=client.language)
    _save(conversation, slots)


def _plain_answer(text: str) -> bool:
    """A short answer naming no trade or quarter ("oui", "non merci"; not "non, Makepe")."""
    if len(text.split()) > SHORT_ANSWER_WORDS:
        return False
    offline = RulesParser().parse(text)
    return offline.category_slug is None and offline.zone_id is None


def _answer_summary(answer: Answer, slots: dict, *, client: Client, conversation: Conversation, reply: Replier):
    """YES creates the request (its reference goes to the client); NO starts the intake over."""
    if answer == Answer.YES and _submit(slots, client=client):
        _save(conversation, {})
    elif answer == Answer.NO:
        _save(conversation, {})
        reply.say("intake_restarted")
    else:  # YES but a slot went stale (a trade or quarter deleted meanwhile): ask again
        _ask_next(slots, reply=reply, language=client.language)
        _save(conversation, slots)


def _set_language(client: Client, conversation: Conversation, reply: Replier, language: str) -> None:
    reply.language = language
    if client.language != language:
        client.language = language
        client.save(update_fields=["language", "updated_at"])
    conversation.language = language


def _merge(slots: dict, result: ParseResult, *, text: str, awaiting: str | None) -> bool:
    """Put what the message says into the slots; True when the category or the zone changed."""
    before = (slots.get("category"), slots.get("zone"))
    adds_detail = awaiting == "confirm" and _adds_detail(result, text, before=before)
    if result.category_slug and (awaiting != "description" or not slots.get("category")):
        slots["category"] = result.category_slug
    if result.zone_id:
        slots["zone"] = result.zone_id
    if result.urgency == Urgency.URGENT:
        slots["urgency"] = Urgency.URGENT
    words = len(text.split())
    describes = result.category_slug and words >= MIN_DESCRIPTION_WORDS  # not a bare "bonjour, un souci"
    if awaiting == "description" or (not slots.get("description") and describes):
        slots["description"] = result.description
    elif adds_detail:
        slots["description"] = f"{slots.get('description', '')} — {result.description}".strip(" —")[
            :DESCRIPTION_MAX_CHARS
        ]
    return (slots.get("category"), slots.get("zone")) != before and awaiting == "confirm"


def _adds_detail(result: ParseResult, text: str, *, before: tuple) -> bool:
    """At the summary, a sentence with no yes/no that changes neither trade nor quarter completes the description."""
    if len(text.split()) < MIN_DESCRIPTION_WORDS or interpret_answer(text) is not None:
        return False
    category, zone = before
    return result.category_slug in (None, category) and result.zone_id in (None, zone)


def _ask_next(slots: dict, *, reply: Replier, language: str) -> None:
    awaiting = slots.get("awaiting")
    category = ServiceCategory.objects.filter(slug=slots.get("category")).first()
    zone = Zone.objects.filter(pk=slots.get("zone")).first() if slots.get("zone") else None
    if category is None:
        slots.pop("category", None)
        slots["awaiting"] = "category"
        reply.say("ask_category_again" if awaiting == "category" else "ask_category")
    elif zone is None:
        slots.pop("zone", None)
        slots["awaiting"] = "zone"
        reply.say("ask_zone_again" if awaiting == "zone" else "ask_zone", category=category.name_in(language))
    elif not slots.get("description"):
        slots["awaiting"] = "description"
        reply.say("ask_description")
    else:
        slots["awaiting"] = "confirm"
        urgent = slots.get("urgency") == Urgency.URGENT
        reply.say(
            "confirm", category=category.name_in(language), zone=zone.name, description=slots["description"],
            urgent=texts.render("urgent_suffix", language) if urgent else "",
        )


def _submit(slots: dict, *, client: Client) -> bool:
    category = ServiceCategory.objects.filter(slug=slots.get("category")).first()
    zone = Zone.objects.filter(pk=slots.get("zone")).first()
    if category is None or zone is None:
        return False
    request_submit(
        client=client,
        category=category,
        zone=zone,
        description=slots.get("description", ""),
        urgency=slots.get("urgency", Urgency.NORMAL),
    )
    return True


def _save(conversation: Conversation, slots: dict) -> None:
    conversation.slots = slots
    conversation.save(update_fields=["slots", "language", "updated_at"])
