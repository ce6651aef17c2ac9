"""One test per row of the error-code policy table, through the real twilio client and the fake Twilio."""

import socket

import pytest
from django.utils import timezone

from messaging.models import (
    AttemptOutcome,
    Conversation,
    DeliveryAttempt,
    InboundMessage,
    Notification,
    NotificationStatus,
)
from messaging.outbox import enqueue
from messaging.outbox.dispatch import dispatch_due
from messaging.outbox.outcomes import INVALID_NUMBER_CODES
from messaging.outbox.policy import POLICY, Category, classify, policy_key
from reliability.models import CircuitBreaker, ErrorEvent
from tests.fakes import twilio_server as fake

pytestmark = pytest.mark.django_db

PHONE = "+237677000111"
WHATSAPP_TO = f"whatsapp:{PHONE}"
OUTCOME_UNKNOWN = ("timeout", "connection_lost")  # the request left: Twilio may have the message


def _reply_for(key: str, settings):
    if key == "http_5xx":
        return fake.server_error(503)
    if key == "http_429":
        return fake.server_error(429)
    if key == "timeout":
        return fake.slow(settings.TWILIO_TIMEOUT_SECONDS * 3)
    if key == "unknown":
        return fake.error(99999)
    if key == "connection_lost":
        return fake.drop()
    return fake.error(key)


def _closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def _send_once(fake_twilio, settings, key: str) -> Notification:
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    if key == "connection_refused":
        settings.TWILIO_API_BASE_URL = _closed_port_url()
    else:
        fake_twilio.script(WHATSAPP_TO, _reply_for(key, settings))
    notification = enqueue(key=f"policy-{key}", body=f"test {key}", phone=PHONE, channels=["whatsapp", "sms"])
    assert dispatch_due(max_batches=1) == 1
    notification.refresh_from_db()
    return notification


def test_the_table_covers_every_code_the_issue_names():
    wanted = {"20003", "20429", "21211", "21408", "21606", "21610", "21614", "30003", "30004", "30005", "30006",
              "30007", "30008", "63003", "63007", "63016", "63018", "63024", "63038", "http_5xx", "timeout",
              "connection_refused", "unknown"}
    assert wanted <= set(POLICY)
    assert policy_key("http_502") == "http_5xx"
    assert policy_key("12345") == "unknown"
    assert classify("63007").category == Category.CHANNEL_CONFIG


@pytest.mark.parametrize("key", sorted(POLICY))
def test_policy_row_is_applied(key, fake_twilio, settings):
    rule = POLICY[key]
    notification = _send_once(fake_twilio, settings, key)
    attempt = DeliveryAttempt.objects.filter(notification=notification).order_by("started_at", "pk").first()

    assert attempt.channel == "whatsapp"
    assert attempt.category == rule.category
    if key not in ("http_5xx", "unknown"):
        assert attempt.error_code == key
    assert attempt.outcome == (AttemptOutcome.UNKNOWN if key in OUTCOME_UNKNOWN else AttemptOutcome.FAILED)
    _assert_next_step(notification, rule, key)
    _assert_breaker(rule, key)
    assert ErrorEvent.objects.filter(category=f"messaging.{rule.category}").exists() == rule.alert
    if rule.suppress_recipient:
        _assert_suppressed()


def _assert_next_step(notification, rule, key):
    if key in OUTCOME_UNKNOWN:
        assert (notification.status, notification.channel) == (NotificationStatus.UNKNOWN, "whatsapp")
        assert notification.next_attempt_at >= notification.updated_at - timezone.timedelta(seconds=1)
    elif rule.retry:
        assert (notification.status, notification.channel) == (NotificationStatus.FAILED, "whatsapp")
        assert notification.attempts == 1
    elif key in INVALID_NUMBER_CODES:  # not a phone number: no phone channel can reach it (issue 10)
        assert notification.status == NotificationStatus.DEAD
    elif rule.next_channel:
        assert (notification.status, notification.channel) == (NotificationStatus.PENDING, "sms")
        assert notification.attempts == 0 and notification.total_attempts == 1
    assert notification.last_error_category == rule.category


def _assert_breaker(rule, key):
    row = CircuitBreaker.objects.filter(name="whatsapp").first()
    if rule.category == Category.CHANNEL_CONFIG:
        assert row.state == "open"
    elif rule.counts_against_breaker:
        assert row is not None and row.window.count("f") + row.window.count("F") == 1
    else:
        assert row is None or ("f" not in row.window and row.state == "closed")


def _assert_suppressed():
    later = enqueue(key="after-suppression", body="later", phone=PHONE, channels=["whatsapp", "sms"])
    dispatch_due(max_batches=1)
    skipped = DeliveryAttempt.objects.get(notification=later, channel="whatsapp")
    assert (skipped.outcome, skipped.error_code) == (AttemptOutcome.SKIPPED, "suppressed")


def test_retry_after_is_honoured(fake_twilio, settings):
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    fake_twilio.script(WHATSAPP_TO, fake.error(20429, retry_after=600))
    before = timezone.now()
    notification = enqueue(key="ra", body="x", phone=PHONE, channels=["whatsapp"])
    dispatch_due(max_batches=1)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.next_attempt_at >= before + timezone.timedelta(seconds=600)


def test_63016_switches_to_the_template_when_one_is_configured(fake_twilio, settings):
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = "HX" + "a" * 32
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    fake_twilio.script(WHATSAPP_TO, fake.error(63016))
    notification = enqueue(key="tpl", body="Votre demande", phone=PHONE, channels=["whatsapp", "sms"])
    dispatch_due(max_batches=2)
    notification.refresh_from_db()
    assert (notification.status, notification.channel) == (NotificationStatus.SENT, "whatsapp")
    sent = fake_twilio.sent_to(WHATSAPP_TO)
    assert [m["content_sid"] for m in sent] == ["HX" + "a" * 32]


def test_after_a_failed_template_the_sms_carries_the_text_not_the_whatsapp_template(fake_twilio, settings):
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = "HX" + "c" * 32
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    fake_twilio.script(WHATSAPP_TO, fake.error(63016), fake.error(63024))
    notification = enqueue(key="tpl-then-sms", body="Votre demande DJB-000042", phone=PHONE,
                           channels=["whatsapp", "sms"])
    dispatch_due(max_batches=3)
    notification.refresh_from_db()
    assert (notification.status, notification.channel) == (NotificationStatus.SENT, "sms")
    [sms] = fake_twilio.sent_to(PHONE)
    assert (sms["body"], sms["content_sid"]) == ("Votre demande DJB-000042", "")


def test_a_recipient_who_writes_again_on_the_channel_lifts_the_suppression(fake_twilio, settings):
    _send_once(fake_twilio, settings, "21610")  # STOP: refused on WhatsApp, suppressed there
    _assert_suppressed()
    InboundMessage.objects.create(provider_sid="SMstart", sender=PHONE, channel="whatsapp", body="START")

    again = enqueue(key="after-start", body="welcome back", phone=PHONE, channels=["whatsapp", "sms"])
    dispatch_due(max_batches=1)

    attempt = DeliveryAttempt.objects.get(notification=again)
    assert (attempt.channel, attempt.outcome) == ("whatsapp", AttemptOutcome.SENT)
    assert fake_twilio.sent_to(WHATSAPP_TO)[-1]["body"] == "welcome back"


@pytest.mark.parametrize("code,status", [("20500", 500), ("20503", 503), ("21211", 500), ("99999", 502),
                                         ("99999", 429), ("21614", 429)])
def test_a_5xx_or_429_is_transient_whatever_the_twilio_code(code, status):
    # Classify by HTTP status first (issue 10): the service failed, not the message.
    assert classify(code, status).category == Category.TRANSIENT and classify(code, status).retry


def test_63038_keeps_its_quota_row_although_twilio_answers_it_with_429():
    assert classify("63038", 429).category == Category.QUOTA
