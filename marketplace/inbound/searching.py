"""A client writes while their request is looking for a provider (searching, offered, escalated).

A corrected quarter re-matches before anyone accepts ("Je me suis trompé, c'est à Kotto"); a second
need ("j'ai aussi besoin d'un plombier") starts a second intake that ends with its own summary and
confirmation; anything else hears where the search stands.
"""

from marketplace import texts
from marketplace.intake.flow import fill_slots
from marketplace.intake.session import ask_next, parse, session_for, session_save
from marketplace.intake.text import normalize
from marketplace.models import Client, ServiceRequest, Zone
from marketplace.notify import Replier
from marketplace.services.lifecycle import request_change_zone
from messaging.models import Conversation

ANOTHER_WORDS = frozenset("aussi autre encore egalement also another too".split())


def while_searching(
    *, service_request: ServiceRequest, text: str, client: Client, conversation: Conversation, reply: Replier
) -> None:
    result = parse(text, client=client, conversation=conversation, reply=reply)
    another = bool(ANOTHER_WORDS.intersection(normalize(text).split()))
    if result.category_slug and (result.category_slug != service_request.category.slug or another):
        reply.say("second_need", reference=service_request.reference)
        session = session_for(client)
        slots = {"zone": service_request.zone_id}  # the same place unless the message names another
        fill_slots(slots, result, text=text)
        ask_next(slots, reply=reply, language=client.language)
        session_save(session, slots)
        return
    zone = Zone.objects.filter(pk=result.zone_id).exclude(pk=service_request.zone_id).first()
    if zone is not None and request_change_zone(service_request=service_request, zone=zone):
        return  # the client is told by the service, with the request's reference
    status = texts.status_name(service_request.status, reply.language)
    reply.say("already_open", reference=service_request.reference, status=status)
