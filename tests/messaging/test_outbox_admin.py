"""Notification admin: pages open, search by support code, "retry now" only with its permission."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from messaging.models import Conversation, Notification, NotificationStatus
from messaging.outbox import enqueue
from messaging.outbox.dispatch import dispatch_due
from reliability.models import DeadLetter
from tests.fakes import twilio_server as fake

pytestmark = pytest.mark.django_db

PHONE = "+237677000555"


@pytest.fixture
def dead_notification(fake_twilio):
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    fake_twilio.script(f"whatsapp:{PHONE}", fake.error(63003))
    notification = enqueue(key="admin-dead", body="x", phone=PHONE, channels=["whatsapp"])
    dispatch_due()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DEAD
    return notification


def test_admin_pages_open(staff_client, dead_notification):
    for url in (
        reverse("admin:messaging_notification_changelist"),
        reverse("admin:messaging_notification_change", args=[dead_notification.pk]),
        reverse("admin:messaging_deliveryattempt_changelist"),
        reverse("admin:messaging_notification_changelist") + "?status=dead&waiting=5m&has_error=yes",
    ):
        assert staff_client.get(url).status_code == 200, url


def test_search_by_support_code_finds_the_notification(staff_client, dead_notification):
    url = reverse("admin:messaging_notification_changelist") + f"?q={dead_notification.support_code}"
    response = staff_client.get(url)
    assert list(response.context["cl"].result_list) == [dead_notification]


def _post_retry(client, notification):
    return client.post(reverse("admin:messaging_notification_changelist"),
                       {"action": "retry_now", "_selected_action": [notification.pk]})


def test_retry_now_needs_its_permission(client, django_user_model, dead_notification):
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(user)
    _post_retry(client, dead_notification)
    dead_notification.refresh_from_db()
    assert dead_notification.status == NotificationStatus.DEAD


def test_retry_now_requeues_a_dead_notification_once(client, django_user_model, dead_notification, fake_twilio):
    user = django_user_model.objects.create_user("operator", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_notification", "retry_notification"]))
    client.force_login(user)
    _post_retry(client, dead_notification)
    _post_retry(client, dead_notification)
    dead_notification.refresh_from_db()
    assert dead_notification.status == NotificationStatus.PENDING
    assert DeadLetter.objects.get(object_id=str(dead_notification.pk)).redriven_by == user
    dispatch_due()
    assert Notification.objects.get(pk=dead_notification.pk).status == NotificationStatus.SENT
    assert fake_twilio.count(f"whatsapp:{PHONE}") == 1
