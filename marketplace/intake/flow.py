"""The client's intake: fill the slots (category, zone, description, urgency) one question at a time.

When all are known the client gets a summary; what they answer to it is intake.summary's job.
"""

from marketplace.intake.base import ParseResult
from marketplace.intake.session import add_part, ask_next, parse, remember_said, session_for, session_save
from marketplace.intake.summary import summary_step
from marketplace.models import Client, Urgency
from marketplace.notify import Replier
from messaging.models import Conversation

MIN_DESCRIPTION_WORDS = 3


def intake_step(*, text: str, client: Client, conversation: Conversation, reply: Replier) -> None:
    session = session_for(client)
    slots = dict(session.slots)
    if slots.get("awaiting") == "confirm":
        summary_step(text=text, slots=slots, client=client, conversation=conversation, reply=reply)
    else:
        result = parse(text, client=client, conversation=conversation, reply=reply)
        fill_slots(slots, result, text=text)
        ask_next(slots, reply=reply, language=client.language)
    if slots:  # not once the request is submitted
        remember_said(slots, text)
    session_save(session, slots)


def fill_slots(slots: dict, result: ParseResult, *, text: str) -> None:
    """Put what the message says into the slots (before the summary: nothing to correct yet)."""
    awaiting = slots.get("awaiting")
    if result.category_slug and (awaiting != "description" or not slots.get("category")):
        slots["category"] = result.category_slug
    if result.zone_id:
        slots["zone"] = result.zone_id
    if result.urgency == Urgency.URGENT:
        slots["urgency"] = Urgency.URGENT
    describes = result.category_slug and len(text.split()) >= MIN_DESCRIPTION_WORDS  # not a bare "un souci"
    if awaiting == "description" or (not slots.get("description") and describes):
        add_part(slots, text=result.description, category=result.category_slug)
