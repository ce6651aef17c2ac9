"""The intake session: the slots a client fills, the next question, and the request they confirm.

Slots: category (slug), zone (id), urgency, description, parts (each message that described the
job, with the trade it named, so a trade correction can drop what described the wrong job) and
``awaiting``, the question last asked.
"""

from marketplace import texts
from marketplace.intake.base import ParseResult, get_parser, take_parse
from marketplace.intake.places import rename_place
from marketplace.intake.rules import DESCRIPTION_MAX_CHARS
from marketplace.models import Client, IntakeSession, ServiceCategory, Urgency, Zone
from marketplace.notify import Replier
from marketplace.services.lifecycle import request_submit
from messaging.models import Conversation

PART_SEPARATOR = " — "
HISTORY_MESSAGES = 10


def session_for(client: Client) -> IntakeSession:
    """The client's session, cached on ``client`` (the one-to-one accessor); a new one is saved on first write."""
    try:
        return client.intake
    except IntakeSession.DoesNotExist:
        client.intake = IntakeSession(client=client)
        return client.intake


def session_save(session: IntakeSession, slots: dict) -> None:
    session.slots = slots
    if session._state.adding:
        session.save()
    else:
        session.save(update_fields=["slots", "updated_at"])


def session_clear(client: Client) -> bool:
    """Forget the intake in progress; True if there was one."""
    return bool(IntakeSession.objects.filter(client=client).exclude(slots={}).update(slots={}))


def intake_history(client: Client) -> list[str]:
    """What the client already wrote about this job, oldest first (the AI parser reads it as context)."""
    return list(session_for(client).slots.get("said", []))


def remember_said(slots: dict, text: str) -> None:
    slots["said"] = [*slots.get("said", []), text][-HISTORY_MESSAGES:]


def parse(text: str, *, client: Client, conversation: Conversation, reply: Replier) -> ParseResult:
    """The message read by the configured parser (done before the transaction when prepared); sets the language."""
    history = intake_history(client)
    result = take_parse(reply.message_sid) or get_parser().parse(
        text, language_hint=conversation.language, history=history
    )
    if result.language_detected:
        reply.language = result.language
        if client.language != result.language:
            client.language = result.language
            client.save(update_fields=["language", "updated_at"])
        if conversation.language != result.language:
            conversation.language = result.language
            conversation.save(update_fields=["language", "updated_at"])
    return result


def add_photos(slots: dict, urls: list[str]) -> None:
    slots["photos"] = [*slots.get("photos", []), *urls]


def add_part(slots: dict, *, text: str, category: str | None) -> None:
    parts = [*slots.get("parts", []), [text.strip(), category]]
    _set_parts(slots, parts)


def drop_trade_parts(slots: dict, *, category: str) -> None:
    """The trade was wrong: what described it would mislead the new provider."""
    _set_parts(slots, [part for part in slots.get("parts", []) if part[1] != category])


def rename_zone_in_parts(slots: dict, *, old_zone_id: int, new_zone: Zone) -> None:
    """The quarter was wrong: the provider must not read the old one in the description."""
    _set_parts(slots, [[rename_place(text, old_zone_id, new_zone.name), cat] for text, cat in slots.get("parts", [])])


def _set_parts(slots: dict, parts: list) -> None:
    slots["parts"] = parts
    slots["description"] = PART_SEPARATOR.join(text for text, _ in parts)[:DESCRIPTION_MAX_CHARS]
    if not slots["description"]:
        slots.pop("description")


def ask_next(slots: dict, *, reply: Replier, language: str) -> None:
    """Ask for the first missing slot, or show the summary to confirm."""
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


def submit(slots: dict, *, client: Client) -> bool:
    """Create the request from the confirmed slots; False if a slot went stale (a trade or quarter deleted)."""
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
        photos=slots.get("photos", []),
    )
    return True
