"""Channel backends against the fake Twilio server and Django's locmem mail backend."""

import socket

import pytest
from django.core import mail

from messaging.channels import get_channel
from messaging.channels.base import ChannelError, OutgoingMessage
from messaging.channels.console import ConsoleChannel
from messaging.channels.email import EmailChannel
from messaging.channels.twilio import TwilioSMSChannel, TwilioWhatsAppChannel
from tests.fakes import twilio_server as fake

PHONE = "+237677000666"


def message(**overrides) -> OutgoingMessage:
    fields = {"notification_id": 1, "to_phone": PHONE, "to_email": "c@djobea.test", "body": "Bonjour", **overrides}
    return OutgoingMessage(**fields)


def test_backends_are_chosen_by_setting(settings):
    settings.MESSAGING_BACKEND = "console"
    assert isinstance(get_channel("whatsapp"), ConsoleChannel) and get_channel("sms").kind == "sms"
    settings.MESSAGING_BACKEND = "twilio"
    assert isinstance(get_channel("whatsapp"), TwilioWhatsAppChannel)
    assert isinstance(get_channel("sms"), TwilioSMSChannel)
    assert isinstance(get_channel("email"), EmailChannel)


def test_whatsapp_send_posts_the_twilio_form_with_status_callback(fake_twilio, settings):
    settings.PUBLIC_BASE_URL = "https://djobea.example"
    result = TwilioWhatsAppChannel().send(message())
    [form] = [r["form"] for r in fake_twilio.requests if r["method"] == "POST"]
    assert form == {"To": f"whatsapp:{PHONE}", "From": "whatsapp:+14155238886", "Body": "Bonjour",
                    "StatusCallback": "https://djobea.example/webhooks/twilio/status/"}
    assert result.provider_sid == fake_twilio.sent_to(f"whatsapp:{PHONE}")[0]["sid"]


def test_a_template_sends_content_sid_and_variables(fake_twilio):
    TwilioWhatsAppChannel().send(message(template_sid="HX123", template_variables={"1": "Awa"}))
    form = fake_twilio.requests[-1]["form"]
    assert (form["ContentSid"], form["ContentVariables"], "Body" in form) == ("HX123", '{"1": "Awa"}', False)


def test_wrong_credentials_are_20003(fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(ChannelError) as caught:
        TwilioSMSChannel().send(message())
    assert caught.value.code == "20003"
    assert fake_twilio.count() == 0


def test_retry_after_and_5xx_become_the_error(fake_twilio):
    fake_twilio.script(PHONE, fake.server_error(503, retry_after=7))
    with pytest.raises(ChannelError) as caught:
        TwilioSMSChannel().send(message())
    assert (caught.value.code, caught.value.retry_after, caught.value.outcome_unknown) == ("http_503", 7.0, False)


def test_rfc_9457_errors_are_caught_too(fake_twilio):
    fake_twilio.script(PHONE, fake.error(21211, problem=True))
    with pytest.raises(ChannelError) as caught:
        TwilioSMSChannel().send(message())
    assert caught.value.code == "21211"


def test_a_read_timeout_is_an_unknown_outcome(fake_twilio):
    fake_twilio.script(PHONE, fake.slow(1.5))
    with pytest.raises(ChannelError) as caught:
        TwilioSMSChannel().send(message())
    assert (caught.value.code, caught.value.outcome_unknown) == ("timeout", True)


def test_a_connection_lost_after_the_request_left_is_an_unknown_outcome(fake_twilio):
    fake_twilio.script(PHONE, fake.drop())
    with pytest.raises(ChannelError) as caught:
        TwilioSMSChannel().send(message())
    assert (caught.value.code, caught.value.outcome_unknown) == ("connection_lost", True)
    assert fake_twilio.count(PHONE) == 1  # Twilio has it: resending blindly would duplicate it


def test_connection_refused_is_not_an_unknown_outcome(fake_twilio, settings):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    with pytest.raises(ChannelError) as caught:
        TwilioSMSChannel().send(message())
    assert (caught.value.code, caught.value.outcome_unknown) == ("connection_refused", False)


def test_lookup_finds_messages_sent_since_a_time(fake_twilio):
    from datetime import UTC, datetime, timedelta

    sent = fake_twilio.add_message(to=PHONE, body="Bonjour")
    fake_twilio.add_message(to=PHONE, body="autre chose")
    found = TwilioSMSChannel().lookup(message(), since=datetime.now(UTC) - timedelta(minutes=1))
    assert found == [sent["sid"]]
    assert TwilioSMSChannel().lookup(message(), since=datetime.now(UTC) + timedelta(minutes=5)) == []


def test_console_fault_injection(settings):
    settings.CONSOLE_FAIL_RATE, settings.CONSOLE_FAIL_CODE, settings.CONSOLE_FAIL_CHANNELS = 1.0, "63016", ["whatsapp"]
    with pytest.raises(ChannelError) as caught:
        ConsoleChannel("whatsapp").send(message())
    assert caught.value.code == "63016"
    assert ConsoleChannel("sms").send(message()).provider_sid.startswith("CONSOLE")


def test_email_goes_through_django_mail_in_the_recipients_language():
    EmailChannel().send(message(language="en", body="Your provider is on the way"))
    [sent] = mail.outbox
    assert (sent.to, sent.body) == (["c@djobea.test"], "Your provider is on the way")
    assert "Djobea" in sent.subject


def test_email_without_an_address_is_a_channel_error():
    with pytest.raises(ChannelError) as caught:
        EmailChannel().send(message(to_email=""))
    assert caught.value.code == "no_address"


def test_phone_numbers_in_twilio_error_messages_are_masked(fake_twilio):
    fake_twilio.script(PHONE, fake.Reply("error", code="21211", status=400,
                                         message=f"The 'To' number {PHONE} is not a valid phone number."))
    with pytest.raises(ChannelError) as caught:
        TwilioSMSChannel().send(message())
    assert PHONE not in caught.value.message and "+2376" in caught.value.message
