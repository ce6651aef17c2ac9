"""STOP/ARRET (or Twilio's OptOutType) and START/DEMARRER.

An opted-out client gets nothing from us but answers to their own messages (marketplace.notify
skips proactive messages to them); an opted-out provider is taken off the offer list (is_active).
"""

from marketplace.inbound.whatsapp import Kind
from marketplace.models import Client, Provider
from marketplace.notify import Replier


def opt_in_or_out(kind: Kind, *, person: Client | Provider, reply: Replier) -> bool:
    """Handle an opt-out or opt-in message; False for any other message."""
    if kind not in (Kind.OPT_OUT, Kind.OPT_IN):
        return False
    opting_out = kind == Kind.OPT_OUT
    if isinstance(person, Provider):
        Provider.objects.filter(pk=person.pk).update(is_active=not opting_out)
    else:
        Client.objects.filter(pk=person.pk).update(opted_out=opting_out)
    reply.say("opted_out" if opting_out else "opted_in")
    return True
