"""POST /webhooks/twilio/status/: signed, stored once per (sid, status), never backwards, failures re-enter."""

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from messaging.models import AttemptOutcome, Conversation, DeliveryAttempt, NotificationStatus, StatusCallback
from messaging.outbox import enqueue
from messaging.outbox.dispatch import dispatch_due
from tests.factories import set_channel

pytestmark = pytest.mark.django_db

URL = "/webhooks/twilio/status/"
PHONE = "+237677000444"


def post_status(client, settings, *, sid, status, error_code=None, signature=None):
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": settings.TWILIO_ACCOUNT_SID}
    if error_code:
        params["ErrorCode"] = str(error_code)
    if signature is None:
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
            settings.PUBLIC_BASE_URL + URL, params
        )
    return client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def sent(fake_twilio):
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    notification = enqueue(key="cb", body="Bonjour", phone=PHONE)
    dispatch_due()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    return notification


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, settings, sent):
    response = post_status(client, settings, sid=sent.provider_sid, status="delivered", signature="forged")
    assert response.status_code == 403
    assert not StatusCallback.objects.exists()
    sent.refresh_from_db()
    assert sent.status == NotificationStatus.SENT


def test_the_signature_is_checked_against_the_public_url(client, settings, sent):
    settings.PUBLIC_BASE_URL = "https://djobea.example"
    assert post_status(client, settings, sid=sent.provider_sid, status="delivered").status_code == 200
    sent.refresh_from_db()
    assert sent.status == NotificationStatus.DELIVERED and sent.delivered_at is not None


def test_out_of_order_callbacks_never_move_backwards(client, settings, sent):
    for status in ("read", "delivered", "sent", "queued"):
        assert post_status(client, settings, sid=sent.provider_sid, status=status).status_code == 200
    sent.refresh_from_db()
    assert sent.status == NotificationStatus.READ
    assert StatusCallback.objects.filter(provider_sid=sent.provider_sid).count() == 4
    assert DeliveryAttempt.objects.filter(notification=sent, outcome=AttemptOutcome.DELIVERED).count() == 1


def test_a_duplicate_callback_is_stored_once(client, settings, sent):
    for _ in range(2):
        assert post_status(client, settings, sid=sent.provider_sid, status="delivered").status_code == 200
    assert StatusCallback.objects.filter(provider_sid=sent.provider_sid, status="delivered").count() == 1
    assert DeliveryAttempt.objects.filter(notification=sent, outcome=AttemptOutcome.DELIVERED).count() == 1


def test_undelivered_with_an_error_code_falls_back_to_the_next_channel(client, settings, sent, fake_twilio):
    response = post_status(client, settings, sid=sent.provider_sid, status="undelivered", error_code=63024)
    assert response.status_code == 200
    sent.refresh_from_db()
    assert (sent.status, sent.channel, sent.last_error_code) == (NotificationStatus.PENDING, "sms", "63024")
    undelivered = DeliveryAttempt.objects.get(notification=sent, outcome=AttemptOutcome.UNDELIVERED)
    assert (undelivered.error_code, undelivered.category) == ("63024", "recipient")
    dispatch_due()
    sent.refresh_from_db()
    assert (sent.status, sent.channel) == (NotificationStatus.SENT, "sms")
    assert fake_twilio.count(PHONE) == 1


def test_failed_after_delivered_is_ignored(client, settings, sent):
    post_status(client, settings, sid=sent.provider_sid, status="delivered")
    post_status(client, settings, sid=sent.provider_sid, status="failed", error_code=30008)
    sent.refresh_from_db()
    assert sent.status == NotificationStatus.DELIVERED


def test_a_callback_missing_its_fields_is_a_400(client, settings, fake_twilio):
    params = {"AccountSid": settings.TWILIO_ACCOUNT_SID}
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(settings.PUBLIC_BASE_URL + URL, params)
    assert client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 400


def test_a_callback_for_a_message_we_timed_out_on_applies_once_we_adopt_it(client, settings, fake_twilio):
    from datetime import timedelta

    from messaging.models import Notification
    from tests.fakes import twilio_server as fake

    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    fake_twilio.script(f"whatsapp:{PHONE}", fake.slow(1.5, store=True))
    notification = enqueue(key="cb-unknown", body="Bonjour", phone=PHONE)
    dispatch_due()
    [at_twilio] = fake_twilio.sent_to(f"whatsapp:{PHONE}")
    assert post_status(client, settings, sid=at_twilio["sid"], status="delivered").status_code == 200
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    dispatch_due()
    notification.refresh_from_db()
    assert (notification.status, notification.provider_sid) == (NotificationStatus.DELIVERED, at_twilio["sid"])
    assert fake_twilio.count(f"whatsapp:{PHONE}") == 1


def test_a_callback_that_fails_to_apply_is_stored_answered_200_with_a_support_code_and_applied_by_the_sweep(
    client, settings, sent
):
    # Issue 10: never count on Twilio sending a callback again after a 500: store first, apply later.
    from messaging.tasks import outbox_receipts_task
    from reliability.models import ErrorEvent

    declared = settings.MESSAGING_CHANNELS
    set_channel(settings, "whatsapp", retry={})  # a broken configuration: applying the failure raises
    response = post_status(client, settings, sid=sent.provider_sid, status="undelivered", error_code=30008)
    assert response.status_code == 200
    event = ErrorEvent.objects.get(category="messaging.status_callback")
    assert event.context["provider_sid"] == sent.provider_sid
    stored = StatusCallback.objects.get(provider_sid=sent.provider_sid, status="undelivered")
    assert stored.applied_at is None
    assert not DeliveryAttempt.objects.filter(notification=sent, outcome=AttemptOutcome.UNDELIVERED).exists()

    settings.MESSAGING_CHANNELS = declared
    assert outbox_receipts_task()["callbacks_applied"] == 1
    sent.refresh_from_db()
    assert (sent.status, sent.channel, sent.last_error_code) == (NotificationStatus.FAILED, "whatsapp", "30008")
    stored.refresh_from_db()
    assert stored.applied_at is not None
    assert outbox_receipts_task()["callbacks_applied"] == 0  # applied once


def test_a_message_sent_too_long_without_a_receipt_is_looked_up_and_its_failure_applied(settings, sent,
                                                                                          fake_twilio):
    from messaging.models import Notification
    from messaging.tasks import outbox_receipts_task

    fake_twilio.set_status(sent.provider_sid, "undelivered", 63024)  # Twilio's callback never reached us
    assert outbox_receipts_task()["sent_checked"] == 0  # not stale yet
    Notification.objects.filter(pk=sent.pk).update(
        updated_at=timezone.now() - timezone.timedelta(minutes=settings.MESSAGING_RECEIPT_WAIT_MINUTES + 1))
    assert outbox_receipts_task()["sent_checked"] == 1
    sent.refresh_from_db()
    assert (sent.status, sent.channel, sent.last_error_code) == (NotificationStatus.PENDING, "sms", "63024")


def test_63016_reported_for_a_template_moves_to_sms_instead_of_resending_the_template(client, settings, fake_twilio):
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = "HX" + "d" * 32
    notification = enqueue(key="cb-template", body="Bonjour", phone=PHONE)  # no conversation: window closed
    dispatch_due()
    notification.refresh_from_db()
    [template] = fake_twilio.sent_to(f"whatsapp:{PHONE}")
    assert (notification.status, template["content_sid"]) == (NotificationStatus.SENT, "HX" + "d" * 32)
    post_status(client, settings, sid=notification.provider_sid, status="undelivered", error_code=63016)
    dispatch_due()
    notification.refresh_from_db()
    assert (notification.status, notification.channel) == (NotificationStatus.SENT, "sms")
    assert fake_twilio.count(f"whatsapp:{PHONE}") == 1
    assert [m["body"] for m in fake_twilio.sent_to(PHONE)] == ["Bonjour"]
