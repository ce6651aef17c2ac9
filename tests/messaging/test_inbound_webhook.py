"""POST /webhooks/twilio/messages/: signature, validation, idempotent storage, empty TwiML."""

import threading
import time
from urllib.parse import urlencode

import pytest
import requests
from django_q.models import OrmQ
from prometheus_client import REGISTRY

from messaging.models import Channel, Conversation, InboundMessage, InboundStatus
from tests.messaging import handlers
from tests.messaging.inbound_support import (
    FORM,
    PUBLIC_BASE_URL,
    WEBHOOK_PATH,
    inbound_settings,  # noqa: F401  (fixture)
    raw_post,
    sign,
    signed_post,
    twilio_params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
PROCESS = "messaging.inbound.tasks.process_inbound"


def test_signed_message_is_stored_and_answered_with_empty_twiml(client, run_tasks, committed):
    with committed():
        response = signed_post(client, twilio_params())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content == EMPTY_TWIML
    message = InboundMessage.objects.get()
    assert (message.sender, message.channel, message.profile_name) == ("+237677123456", Channel.WHATSAPP, "Awa")
    assert message.body == "J'ai une fuite d'eau à Bonamoussadi"
    assert message.status == InboundStatus.RECEIVED
    assert Conversation.objects.get(phone="+237677123456").last_inbound_at == message.received_at
    assert run_tasks() == [PROCESS]
    assert handlers.CALLS == [message.provider_sid]
    message.refresh_from_db()
    assert message.status == InboundStatus.PROCESSED


def test_missing_signature_is_403_and_nothing_is_stored(client):
    params = twilio_params()
    response = client.post(WEBHOOK_PATH, data=urlencode(params), content_type=FORM)

    assert response.status_code == 403
    assert not InboundMessage.objects.exists()
    assert not OrmQ.objects.exists()


def test_forged_signature_is_403_and_nothing_is_stored(client):
    params = twilio_params()
    forged = sign(params, token="someone-elses-token")
    tampered = sign({**params, "Body": "something else"})

    assert signed_post(client, params, signature=forged).status_code == 403
    assert signed_post(client, params, signature=tampered).status_code == 403
    assert not InboundMessage.objects.exists()


def test_unconfigured_auth_token_rejects_every_post(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    params = twilio_params()

    response = signed_post(client, params, signature=sign(params, token=""))

    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_signature_is_checked_against_the_public_url_behind_a_proxy(client):
    """The request reaches Django as http://testserver, but Twilio signed https://djobea.example."""
    params = twilio_params()
    as_seen_internally = sign(params, url="http://testserver" + WEBHOOK_PATH)

    assert signed_post(client, params, signature=as_seen_internally).status_code == 403
    assert signed_post(client, params, signature=sign(params, url=PUBLIC_BASE_URL + WEBHOOK_PATH)).status_code == 200
    assert InboundMessage.objects.count() == 1


def test_replayed_message_sid_is_one_row_and_one_processing(client, run_tasks, committed):
    params = twilio_params()
    with committed():
        first = signed_post(client, params)
    with committed():
        replay = signed_post(client, params)

    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.content == EMPTY_TWIML
    assert InboundMessage.objects.count() == 1
    assert run_tasks() == [PROCESS]
    assert handlers.CALLS == [params["MessageSid"]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_copies_make_one_row_and_one_processing(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    params = twilio_params(MessageSid="SM" + "c" * 32)
    headers = {"X-Twilio-Signature": sign(params, url=live_server.url + WEBHOOK_PATH), "Content-Type": FORM}
    body = urlencode(params)
    start = threading.Barrier(50, timeout=30)
    statuses: list[int] = []

    def post() -> None:
        start.wait()
        for _ in range(20):  # the test server's listen backlog is small: like Twilio, retry a refused connection
            try:
                response = requests.post(live_server.url + WEBHOOK_PATH, data=body, headers=headers, timeout=30)
            except requests.ConnectionError:
                time.sleep(0.05)
                continue
            statuses.append(response.status_code)
            return

    threads = [threading.Thread(target=post) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 50
    assert InboundMessage.objects.filter(provider_sid=params["MessageSid"]).count() == 1
    assert OrmQ.objects.count() == 1  # one processing task queued


@pytest.mark.parametrize("missing", ["From", "MessageSid", "Body"])
def test_missing_required_field_is_400_with_the_reason(client, missing):
    params = twilio_params(**{missing: None})

    response = signed_post(client, params)

    assert response.status_code == 400
    assert missing in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_empty_body_without_media_is_400(client):
    response = signed_post(client, twilio_params(Body=""))

    assert response.status_code == 400
    assert "no media" in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_body_over_4096_characters_is_400_and_4096_is_accepted(client):
    too_long = signed_post(client, twilio_params(Body="é" * 4097))
    at_limit = signed_post(client, twilio_params(MessageSid="SM" + "d" * 32, Body="é" * 4096))

    assert too_long.status_code == 400
    assert "4096" in too_long.content.decode()
    assert at_limit.status_code == 200
    assert list(InboundMessage.objects.values_list("provider_sid", flat=True)) == ["SM" + "d" * 32]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"MessageSid=SM1&From=%2B237677123456&Body=caf\xe9", "UTF-8"),  # raw latin-1 byte
        (b"MessageSid=SM1&From=%2B237677123456&Body=caf%E9", "UTF-8"),  # percent-encoded latin-1
        (b"MessageSid=SM1&From=%2B237677123456&Body=50%", "percent-encoding"),
        (b"MessageSid=SM1&From=%2B237677123456&Body=%zzoops", "percent-encoding"),
    ],
)
def test_invalid_utf8_or_broken_percent_encoding_is_400(client, body, reason):
    response = raw_post(client, body)

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_huge_raw_body_is_413_before_parsing(client, settings):
    body = b"Body=" + b"a" * (settings.MESSAGING_MAX_REQUEST_BYTES + 1)

    response = raw_post(client, body)

    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


def test_other_content_types_are_415(client):
    response = client.post(WEBHOOK_PATH, data=twilio_params(), headers={"X-Twilio-Signature": "x"})  # multipart

    assert response.status_code == 415
    assert not InboundMessage.objects.exists()


def test_get_is_not_allowed(client):
    assert client.get(WEBHOOK_PATH).status_code == 405


def test_emoji_only_message_is_accepted_and_processed(client, run_tasks, committed):
    with committed():
        response = signed_post(client, twilio_params(Body="👍🏾🙏"))

    assert response.status_code == 200
    run_tasks()
    message = InboundMessage.objects.get()
    assert (message.body, message.status) == ("👍🏾🙏", InboundStatus.PROCESSED)


def test_media_only_message_is_accepted_and_processed(client, run_tasks, committed):
    params = twilio_params(
        Body="", NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1", MediaContentType0="image/jpeg"
    )

    with committed():
        response = signed_post(client, params)

    assert response.status_code == 200
    run_tasks()
    message = InboundMessage.objects.get()
    assert message.media == [{"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}]
    assert message.status == InboundStatus.PROCESSED


def test_shared_location_without_body_is_accepted_with_its_coordinates_kept(client):
    params = twilio_params(Body="", Latitude="4.0511", Longitude="9.7679", Address="Bonamoussadi, Douala")

    assert signed_post(client, params).status_code == 200
    assert InboundMessage.objects.get().raw_payload["Latitude"] == "4.0511"


def test_unknown_sender_is_accepted_as_a_new_conversation(client):
    response = signed_post(client, twilio_params(From="whatsapp:+237699887766"))

    assert response.status_code == 200
    assert Conversation.objects.filter(phone="+237699887766", last_inbound_at__isnull=False).exists()


@pytest.mark.parametrize("sender", ["whatsapp:hello", "+1", "whatsapp:+99912"])
def test_unparseable_sender_is_400_without_echoing_the_number(client, sender):
    response = signed_post(client, twilio_params(From=sender))

    assert response.status_code == 400
    assert "From" in response.content.decode()
    assert sender not in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_sms_sender_is_stored_on_the_sms_channel_without_opening_the_whatsapp_window(client):
    signed_post(client, twilio_params(From="+237677123456", To="+237650000000"))

    assert InboundMessage.objects.get().channel == Channel.SMS
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.last_inbound_at) == (Channel.SMS, None)


def test_an_sms_after_whatsapp_keeps_the_whatsapp_window_and_the_conversation_it_joins(client):
    signed_post(client, twilio_params(From="whatsapp:+237677123456", MessageSid="SM" + "1" * 32))
    opened = Conversation.objects.get().last_inbound_at
    Conversation.objects.update(language="en")

    signed_post(client, twilio_params(From="+237677123456", To="+237650000000", MessageSid="SM" + "2" * 32))

    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.last_inbound_at) == (Channel.SMS, opened)
    assert conversation.language == "en"


def test_a_second_whatsapp_message_moves_the_window_to_its_own_time(client):
    signed_post(client, twilio_params(MessageSid="SM" + "1" * 32))
    signed_post(client, twilio_params(MessageSid="SM" + "2" * 32))

    latest = InboundMessage.objects.get(provider_sid="SM" + "2" * 32)
    assert Conversation.objects.get().last_inbound_at == latest.received_at


def test_unknown_extra_fields_are_kept_in_the_raw_payload(client):
    params = twilio_params(ReferralNumMedia="0", SomeNewTwilioField="surprise")

    assert signed_post(client, params).status_code == 200
    assert InboundMessage.objects.get().raw_payload == params


def test_webhook_latency_is_observed(client):
    def count():
        return REGISTRY.get_sample_value("djobea_webhook_latency_seconds_count", {"webhook": "messages"}) or 0

    before = count()
    signed_post(client, twilio_params())
    raw_post(client, b"%zz")

    assert count() == before + 2


def test_auth_token_used_is_the_configured_one(client, settings):
    settings.TWILIO_AUTH_TOKEN = "rotated-token"
    params = twilio_params()

    assert signed_post(client, params).status_code == 403  # signed with the old TOKEN
    assert signed_post(client, params, signature=sign(params, token="rotated-token")).status_code == 200
