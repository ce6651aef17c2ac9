"""What a client means beyond the intake slots: thanks, a greeting after a job, a price question,
"when does he arrive", a complaint, a provider asking to join — each answered specifically, in the
client's language, about their latest request.

Thanks, greetings, price and arrival questions only count in a message that names no trade and no
quarter (a need with a price question is still a need); complaints and join requests always count.
"""

from datetime import timedelta
from enum import StrEnum

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_noop

from core import i18n
from marketplace import texts
from marketplace.intake.rules import RulesParser
from marketplace.intake.text import has_phrase, normalize
from marketplace.models import SEARCHING_STATUSES, Client, RequestStatus, ServiceRequest
from marketplace.notify import Replier
from reliability.alerts import raise_alert
from reliability.models import Severity

RECENT_JOB = timedelta(days=14)
HELD = [RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS]
STILL_SEARCHING = [*SEARCHING_STATUSES, RequestStatus.ESCALATED]


class Intent(StrEnum):
    COMPLAINT = "complaint"
    JOIN = "join"
    ARRIVAL = "arrival"
    PRICE = "price"
    THANKS = "thanks"
    GREETING = "greeting"


PHRASES = {
    Intent.COMPLAINT: (
        "personne n est venu", "personne n est pas venu", "n est pas venu", "n est jamais venu", "pas venu",
        "jamais venu", "nobody came", "no one came", "never came", "didn t come", "did not come", "has not come",
        "hasn t come", "no come", "arnaque", "mal fait", "pas content", "pas satisfait", "not happy",
        "je me plains", "plainte", "complaint", "comment ca termine", "comment ca terminee",
    ),
    Intent.JOIN: (
        "devenir prestataire", "etre prestataire", "travailler avec vous", "m inscrire", "inscrire comme",
        "rejoindre djobea", "join djobea", "become a provider", "work with you", "i want to join",
        "je cherche du travail", "looking for work", "je suis un artisan", "register as",
    ),
    Intent.ARRIVAL: (
        "il arrive quand", "elle arrive quand", "arrive quand", "quand est ce qu il", "quand est ce qu elle",
        "quand va t il", "il vient quand", "il est ou", "when is he coming", "when will he come", "when is she coming",
        "when will she come", "when will they come", "when is the", "he dey come", "where is he", "e dey come when",
        "toujours pas la", "still not here", "not here yet",
    ),
    Intent.PRICE: (
        "combien", "prix", "tarif", "tarifs", "cout", "ca coute", "price", "how much", "cost", "wetin be the price",
        "na how much", "how much e go cost", "frais", "devis",
    ),
    Intent.THANKS: ("merci", "thanks", "thank you", "thank u", "thx", "mrc", "merci beaucoup", "tank you", "tanks"),
    Intent.GREETING: ("bonjour", "bonsoir", "salut", "slt", "bjr", "hello", "hi", "good morning", "good evening",
                      "on dit quoi", "how far", "coucou"),
}
ALWAYS = (Intent.COMPLAINT, Intent.JOIN)


def detect_intent(text: str) -> Intent | None:
    normalized = normalize(text)
    for intent in ALWAYS:
        if has_phrase(normalized, PHRASES[intent]):
            return intent
    intent = next((intent for intent, phrases in PHRASES.items() if has_phrase(normalized, phrases)), None)
    if intent is None:
        return None
    offline = RulesParser().parse(text)
    return None if offline.category_slug or offline.zone_id else intent


def latest_request(client: Client) -> ServiceRequest | None:
    return (
        client.requests.exclude(status=RequestStatus.COLLECTING)
        .filter(updated_at__gte=timezone.now() - RECENT_JOB)
        .select_related("category", "zone", "assigned_provider")
        .order_by("-created_at")
        .first()
    )


def answer_intent(intent: Intent, *, client: Client, reply: Replier, text: str) -> bool:
    """Answer ``intent``; False when it does not apply here (a greeting with no past job: intake greets)."""
    request = latest_request(client)
    if intent == Intent.JOIN:
        _staff_alert(f"join:{client.phone}", i18n.text(gettext_noop("%(phone)s asks to join as a provider"),
                                                      phone=client.phone), text)
        reply.say("intent_join")
    elif intent == Intent.COMPLAINT:
        subject = request.reference if request else client.phone
        _staff_alert(f"complaint:{subject}", i18n.text(gettext_noop("%(subject)s: the client complains"),
                                                      subject=subject), text, severity=Severity.CRITICAL)
        reply.say("intent_complaint", reference=subject)
    elif intent == Intent.ARRIVAL and request is not None:
        _arrival(request, reply=reply)
    elif intent == Intent.PRICE:
        provider = request.assigned_provider if request and request.status in HELD else None
        reply.say("intent_price")
        if provider is not None:
            reply.say("intent_price_provider", provider=provider.name, phone=provider.phone)
    elif intent == Intent.THANKS or (intent == Intent.GREETING and request is not None):
        reply.say(f"intent_{intent}")
    else:
        return False
    return True


def _arrival(request: ServiceRequest, *, reply: Replier) -> None:
    provider = request.assigned_provider
    if request.status in HELD and provider is not None:
        accepted = timezone.localtime(request.assigned_at) if request.assigned_at else timezone.localtime()
        reply.say("intent_arrival", reference=request.reference, provider=provider.name, phone=provider.phone,
                  time=time_format(accepted, "H:i"))
    elif request.status in STILL_SEARCHING:
        reply.say("intent_arrival_searching", reference=request.reference)
    else:
        reply.say("intent_status", reference=request.reference, status=texts.status_name(request.status,
                                                                                          reply.language))


def _staff_alert(key: str, title: i18n.Message, text: str, *, severity: str = Severity.WARNING) -> None:
    raise_alert(key=key, severity=severity, title=title,
                detail=i18n.text(gettext_noop("The client wrote: %(text)s"), text=text[:300]))
