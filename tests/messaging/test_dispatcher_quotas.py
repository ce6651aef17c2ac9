"""Daily quotas: counted before the call, high priority first, 63038 marks the channel spent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import (
    AttemptOutcome,
    ChannelQuota,
    Conversation,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    Priority,
    QuotaUsage,
)
from messaging.outbox import enqueue
from messaging.outbox.dispatch import dispatch_due
from messaging.selectors import quota_usage
from tests.factories import set_channel
from tests.fakes import twilio_server as fake

pytestmark = pytest.mark.django_db

PHONE = "+237677000333"
WA = f"whatsapp:{PHONE}"


@pytest.fixture(autouse=True)
def in_window():
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())


def test_the_limit_is_never_exceeded_and_the_rest_is_deferred_not_dropped(fake_twilio, settings):
    set_channel(settings, "whatsapp", daily_limit=3)
    for i in range(5):
        enqueue(key=f"q{i}", body=f"m{i}", phone=PHONE, channels=["whatsapp"], priority=Priority.HIGH)
    dispatch_due()
    assert fake_twilio.count(WA) == 3
    waiting = Notification.objects.filter(status=NotificationStatus.PENDING)
    assert waiting.count() == 2
    oldest = QuotaUsage.objects.order_by("used_at").first().used_at
    assert all(n.next_attempt_at == oldest + timedelta(hours=24) for n in waiting)
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SKIPPED, error_code="quota_spent").count() == 2
    assert {row["channel"]: row["used"] for row in quota_usage()}["whatsapp"] == 3


def test_when_the_quota_runs_low_low_priority_waits_and_offers_go_first(fake_twilio, settings):
    set_channel(settings, "whatsapp", daily_limit=20)
    QuotaUsage.objects.bulk_create([QuotaUsage(channel="whatsapp") for _ in range(17)])  # 3 left, 2 reserved
    countdown = enqueue(key="countdown", body="10 min", phone=PHONE, priority=Priority.LOW)
    offer = enqueue(key="offer", body="Mission", phone=PHONE, priority=Priority.HIGH)
    dispatch_due()
    countdown.refresh_from_db()
    offer.refresh_from_db()
    assert offer.status == NotificationStatus.SENT and offer.channel == "whatsapp"
    assert (countdown.status, countdown.channel) == (NotificationStatus.PENDING, "whatsapp")
    assert countdown.next_attempt_at > timezone.now() and "deferred" in countdown.last_error
    assert DeliveryAttempt.objects.get(notification=countdown).error_code == "quota_low"


def test_63038_marks_whatsapp_spent_and_later_messages_go_to_sms_up_front(fake_twilio):
    fake_twilio.script(WA, fake.error(63038))
    first = enqueue(key="a", body="a", phone=PHONE)
    dispatch_due()
    second = enqueue(key="b", body="b", phone=PHONE)
    dispatch_due()
    first.refresh_from_db()
    second.refresh_from_db()
    assert ChannelQuota.objects.get(channel="whatsapp").spent_until > timezone.now() + timedelta(hours=23)
    assert (first.channel, first.status, second.channel, second.status) == ("sms", "sent", "sms", "sent")
    assert fake_twilio.count(WA) == 0 and fake_twilio.count(PHONE) == 2
