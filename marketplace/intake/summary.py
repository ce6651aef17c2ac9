"""The answer to the summary: confirm, correct one slot, add a detail — never start over.

"OUI" creates the request. "Non pas Bonapriso, c'est à Akwa" changes the quarter and keeps the rest;
a new trade drops what described the wrong job; a bare "non" asks what to change; a sentence that
changes nothing joins the description; anything else gets one short question.
"""

from marketplace.intake.answers import Answer, interpret_answer
from marketplace.intake.base import ParseResult
from marketplace.intake.rules import RulesParser
from marketplace.intake.session import (
    add_part,
    ask_next,
    drop_trade_parts,
    parse,
    rename_zone_in_parts,
    submit,
)
from marketplace.models import Client, Urgency, Zone
from marketplace.notify import Replier
from messaging.models import Conversation

MIN_DETAIL_WORDS = 3
SHORT_ANSWER_WORDS = 3  # "oui", "yes please", "non merci": an answer, not a correction


def summary_step(*, text: str, slots: dict, client: Client, conversation: Conversation, reply: Replier) -> None:
    answer = interpret_answer(text)
    if answer is not None and _plain_answer(text):
        _answer(answer, slots, client=client, reply=reply)  # a plain "OUI" needs no parser (nor an AI call)
        return
    result = parse(text, client=client, conversation=conversation, reply=reply)
    if _correct(slots, result, text=text):
        ask_next(slots, reply=reply, language=client.language)
    elif answer is not None:
        _answer(answer, slots, client=client, reply=reply)
    elif len(text.split()) >= MIN_DETAIL_WORDS:
        add_part(slots, text=result.description, category=result.category_slug)
        ask_next(slots, reply=reply, language=client.language)
    else:
        reply.say("confirm_unclear")


def _plain_answer(text: str) -> bool:
    """A short answer naming no trade or quarter ("oui", "non merci"; not "non, Makepe")."""
    if len(text.split()) > SHORT_ANSWER_WORDS:
        return False
    offline = RulesParser().parse(text)
    return offline.category_slug is None and offline.zone_id is None


def _answer(answer: Answer, slots: dict, *, client: Client, reply: Replier) -> None:
    """YES creates the request (its reference goes to the client); NO asks what to change."""
    if answer == Answer.NO:
        reply.say("ask_what_to_change")
    elif submit(slots, client=client):
        slots.clear()
    else:  # YES but a slot went stale (a trade or quarter deleted meanwhile): ask again
        ask_next(slots, reply=reply, language=client.language)


def _correct(slots: dict, result: ParseResult, *, text: str) -> bool:
    """Apply what the message changes (trade, quarter, urgency); True if anything changed."""
    changed = False
    old_category, old_zone = slots.get("category"), slots.get("zone")
    if result.category_slug and result.category_slug != old_category:
        slots["category"] = result.category_slug
        drop_trade_parts(slots, category=old_category)
        if len(text.split()) >= MIN_DETAIL_WORDS:
            add_part(slots, text=result.description, category=result.category_slug)
        changed = True
    new_zone = Zone.objects.filter(pk=result.zone_id).first() if result.zone_id != old_zone else None
    if new_zone is not None:
        slots["zone"] = new_zone.pk
        rename_zone_in_parts(slots, old_zone_id=old_zone, new_zone=new_zone)
        changed = True
    if result.urgency == Urgency.URGENT and slots.get("urgency") != Urgency.URGENT:
        slots["urgency"] = Urgency.URGENT
        changed = True
    return changed
