"""The WhatsApp simulator at /admin/simulator/: staff only, same pipeline as the webhook."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from messaging.models import Channel, Conversation, InboundMessage, InboundStatus, Notification
from reliability.models import Heartbeat
from tests.messaging import handlers
from tests.messaging.inbound_support import inbound_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]

URL = "/admin/simulator/"
PHONE = "+237677554433"


def send(client, body="Bonjour", phone=PHONE, **extra):
    return client.post(URL, {"phone": phone, "channel": Channel.WHATSAPP, "body": body, **extra})


def messages_json(client, phone=PHONE):
    return client.get(f"{URL}messages.json", headers={"X-Simulator-Phone": phone})


def test_page_renders_for_staff_inside_the_admin(staff_client):
    response = staff_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "WhatsApp" in html and 'id="sim-form"' in html
    assert 'id="site-name"' in html  # admin chrome from each_context / base_site
    assert "cdn" not in html.lower()


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert messages_json(client).status_code == 302


def test_non_staff_users_are_sent_to_the_admin_login(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="visitor", password="x-pass-123"))

    assert client.get(URL).status_code == 302
    assert send(client).status_code == 302
    assert not InboundMessage.objects.exists()


def test_staff_without_the_simulator_permission_are_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="clerk", password="x-pass-123", is_staff=True))

    assert client.get(URL).status_code == 403
    assert send(client).status_code == 403
    assert messages_json(client).status_code == 403
    assert not InboundMessage.objects.exists()


def test_staff_with_the_permission_may_use_it(client, django_user_model):
    user = django_user_model.objects.create_user(username="agent", password="x-pass-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="use_simulator"))
    client.force_login(user)

    assert client.get(URL).status_code == 200


def test_a_simulated_message_goes_through_the_inbound_pipeline(staff_client, run_tasks, committed):
    with committed():
        response = send(staff_client, body="J'ai une fuite d'eau à Bonamoussadi", phone="6 77 55 44 33")

    assert response.status_code == 302
    conversation = Conversation.objects.get(phone="+237677554433")
    assert response["Location"] == f"{URL}?c={conversation.pk}"  # the URL names no phone number
    message = InboundMessage.objects.get()
    assert (message.sender, message.channel, message.status) == (PHONE, Channel.WHATSAPP, InboundStatus.RECEIVED)
    assert message.raw_payload["DjobeaSimulator"] == "1"
    assert message.profile_name == ""  # simulated clients are not all named "Simulator"
    assert run_tasks() == ["messaging.inbound.tasks.process_inbound"]
    assert handlers.CALLS == [message.provider_sid]
    message.refresh_from_db()
    assert message.status == InboundStatus.PROCESSED


def test_the_conversation_json_shows_inbound_and_outbound_in_order(staff_client, run_tasks, settings, committed):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.echo"
    with committed():
        send(staff_client, body="Salut")
    run_tasks()

    data = messages_json(staff_client).json()

    assert data["phone"] == PHONE
    assert [(m["direction"], m["body"]) for m in data["messages"]] == [("in", "Salut"), ("out", "echo: Salut")]
    assert data["messages"][0]["status"] == InboundStatus.PROCESSED
    assert data["messages"][1]["channel"] == Notification.objects.get().channel
    assert set(data["cluster"]) == {"running", "last_seen", "queued"}
    assert data["recent"] == [PHONE]


def test_fetch_posts_get_a_json_answer(staff_client):
    response = staff_client.post(
        URL, {"phone": PHONE, "channel": Channel.SMS, "body": "hello"}, headers={"Accept": "application/json"}
    )

    conversation = str(Conversation.objects.get(phone=PHONE).pk)
    assert response.json() == {"ok": True, "error": "", "phone": PHONE, "conversation": conversation}
    assert InboundMessage.objects.get().channel == Channel.SMS


def test_a_photo_only_message_is_accepted(staff_client):
    send(staff_client, body="", with_photo="on")

    assert len(InboundMessage.objects.get().media) == 1


def test_invalid_input_is_reported_and_nothing_is_stored(staff_client, settings):
    bad_phone = send(staff_client, phone="hello")
    empty = staff_client.post(URL, {"phone": PHONE, "channel": "whatsapp", "body": "  "},
                              headers={"Accept": "application/json"})
    too_long = send(staff_client, body="x" * (settings.MESSAGING_MAX_BODY_CHARS + 1))

    assert bad_phone.status_code == 200 and b"errorlist" in bad_phone.content
    assert empty.status_code == 400 and "no media" in empty.json()["error"]
    assert too_long.status_code == 200 and b"4096" in too_long.content
    assert not InboundMessage.objects.exists()


def test_messages_json_rejects_a_non_phone(staff_client):
    assert messages_json(staff_client, phone="not-a-phone").status_code == 400


def test_page_says_when_the_task_cluster_is_not_running(staff_client):
    silent = staff_client.get(URL).content.decode()
    Heartbeat.objects.create(name="qcluster", last_beat_at=timezone.now() - timedelta(seconds=10))
    alive = staff_client.get(URL).content.decode()

    assert 'data-running="no"' in silent and "qcluster" in silent
    assert 'data-running="yes"' in alive
    assert messages_json(staff_client).json()["cluster"]["running"] is True


def test_known_conversations_are_offered_in_the_picker(staff_client):
    send(staff_client, phone="+237699001122")

    assert "+237699001122" in staff_client.get(URL).content.decode()


def test_end_to_end_with_the_real_conversation_a_request_gets_a_provider(
    staff_client, run_tasks, committed, demo_data, settings
):
    """What a newcomer does in the simulator: write as a client, then as the offered provider."""
    from marketplace.models import OfferStatus, ProviderOffer, RequestStatus, ServiceRequest

    settings.MESSAGING_INBOUND_HANDLER = "marketplace.conversation.handle_inbound"
    settings.AI_BACKEND = "rules"

    def write(phone: str, body: str) -> list[dict]:
        with committed():
            assert send(staff_client, body=body, phone=phone).status_code == 302
        run_tasks()
        return messages_json(staff_client, phone=phone).json()["messages"]

    thread = write(PHONE, "J'ai une fuite d'eau à Bonamoussadi, ça coule partout")
    assert [m["direction"] for m in thread] == ["in", "out"]
    assert thread[0]["status"] == InboundStatus.PROCESSED
    assert "Bonamoussadi" in thread[1]["body"]

    thread = write(PHONE, "OUI")
    request = ServiceRequest.objects.get(client__phone=PHONE)
    assert request.reference in thread[-1]["body"] or request.reference in thread[-2]["body"]
    offer = ProviderOffer.objects.get(request=request, status=OfferStatus.PENDING)
    assert request.reference in messages_json(staff_client, phone=offer.provider.phone).json()["messages"][-1]["body"]

    assert offer.provider.phone in messages_json(staff_client).json()["recent"]  # one click to answer as them
    write(offer.provider.phone, "OUI")

    request.refresh_from_db()
    assert (request.status, request.assigned_provider) == (RequestStatus.ASSIGNED, offer.provider)
    assert offer.provider.name in messages_json(staff_client).json()["messages"][-1]["body"]
