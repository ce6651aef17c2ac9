"""A small support story shared by the timeline tests: messages both ways, an offer, a dead-lettered update."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace import notify
from marketplace.models import MatchLevel, OfferStatus, RequestStatus
from messaging.models import Conversation, InboundMessage, NotificationStatus
from tests.factories import make_category, make_client, make_provider, make_request, make_zone


@pytest.fixture
def story(settings, run_tasks, committed):
    """A client asks, gets a delivered reply, an offer goes to a provider, a last update dies on every channel."""
    settings.MESSAGING_BACKEND = "console"
    client = make_client(name="Awa")
    provider = make_provider(name="Jean Plombier", categories=[make_category()], zones=[make_zone()])
    request = make_request(client=client, status=RequestStatus.OFFERED, match_level=MatchLevel.EXACT)
    Conversation.objects.create(phone=client.phone, last_inbound_at=timezone.now())
    InboundMessage.objects.create(provider_sid="SM-timeline-1", sender=client.phone, body="Fuite d'eau à Bonamoussadi",
                                  received_at=request.created_at - timedelta(minutes=3))
    offer = request.offers.create(provider=provider, level=MatchLevel.EXACT, status=OfferStatus.PENDING,
                                  expires_at=timezone.now() + timedelta(minutes=10))
    with committed():
        notify.to_client(request, "request_received", key="t-1")
    run_tasks()
    settings.CONSOLE_FAIL_RATE = 1.0
    settings.CONSOLE_FAIL_CODE = "21211"  # the recipient is invalid: every channel refuses, no retry
    settings.CONSOLE_FAIL_CHANNELS = ["whatsapp", "sms"]
    with committed():
        dead = notify.to_client(request, "request_received", key="t-2")
    run_tasks()
    dead.refresh_from_db()
    assert dead.status == NotificationStatus.DEAD and dead.support_code
    return {"client": client, "provider": provider, "request": request, "offer": offer, "dead": dead}
