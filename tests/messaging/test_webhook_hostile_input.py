"""What PostgreSQL refuses (NUL, over-long values) never turns a webhook into a 500 or a lost message.

Run these on PostgreSQL too: SQLite accepts NUL characters and ignores column lengths.
"""

import pytest
from twilio.request_validator import RequestValidator

from messaging.models import InboundMessage, StatusCallback
from tests.messaging.inbound_support import (
    inbound_settings,  # noqa: F401  (fixture)
    signed_post,
    twilio_params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]

STATUS_URL = "/webhooks/twilio/status/"
NUL = "\x00"


def test_nul_in_any_field_is_stored_without_it(client):
    params = twilio_params(
        Body=f"fuite{NUL} d'eau", ProfileName=f"A{NUL}wa", Latitude="4.05", Longitude="9.7",
        Label=f"Chez{NUL}moi", ButtonPayload=f"OUI{NUL}", **{f"X{NUL}Extra": f"v{NUL}"},
    )

    response = signed_post(client, params)

    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert (message.body, message.profile_name) == ("fuite d'eau", "Awa")
    assert message.raw_payload["Label"] == "Chezmoi"
    assert message.raw_payload["ButtonPayload"] == "OUI"
    assert message.raw_payload["XExtra"] == "v"
    assert NUL not in repr(message.raw_payload)


def test_over_long_fields_we_only_display_are_cut_not_refused(client):
    params = twilio_params(To="whatsapp:+" + "1" * 200, ProfileName="A" * 500, WaId="9" * 300, Extra="x" * 5000)

    response = signed_post(client, params)

    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert (len(message.recipient), len(message.profile_name)) == (40, 120)
    assert message.raw_payload["Extra"] == "x" * 5000  # the raw payload keeps what Twilio sent


def test_a_message_made_only_of_nul_is_a_clear_400_and_nothing_is_stored(client):
    response = signed_post(client, twilio_params(Body=NUL * 3))

    assert response.status_code == 400
    assert b"Body is empty" in response.content
    assert not InboundMessage.objects.exists()


def post_status(client, settings, params: dict):
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.PUBLIC_BASE_URL + STATUS_URL, params
    )
    return client.post(STATUS_URL, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_status_callback_with_nul_and_over_long_values_is_stored_safely_and_answered_200(client, settings):
    params = {
        "MessageSid": "SM" + "f" * 100 + NUL, "MessageStatus": "delivered" * 10 + NUL,
        "ErrorCode": "3" * 50 + NUL, f"Odd{NUL}": NUL * 3,
    }

    response = post_status(client, settings, params)

    assert response.status_code == 200
    callback = StatusCallback.objects.get()
    assert (len(callback.provider_sid), len(callback.status), len(callback.error_code)) == (64, 20, 20)
    assert NUL not in repr(callback.raw_payload)
    assert callback.raw_payload["Odd"] == ""


def test_a_status_callback_twice_with_the_same_over_long_values_is_stored_once(client, settings):
    params = {"MessageSid": "SM" + "e" * 100, "MessageStatus": "x" * 50}

    assert post_status(client, settings, params).status_code == 200
    assert post_status(client, settings, params).status_code == 200
    assert StatusCallback.objects.count() == 1


def test_a_status_callback_of_nul_only_fields_is_a_400(client, settings):
    response = post_status(client, settings, {"MessageSid": NUL, "MessageStatus": NUL})

    assert response.status_code == 400
    assert not StatusCallback.objects.exists()
