"""Timelines of a client, a provider and a request, and the links both ways between records.

The messages go through the real outbox and dispatcher (console channel, failures injected), so the
dead letter and the error event are the ones support meets in production.
"""

import pytest
from django.urls import reverse

from messaging.models import InboundMessage, Notification, NotificationStatus
from reliability.models import DeadLetter, ErrorEvent

pytestmark = pytest.mark.django_db


def _page(staff_client, name, pk) -> str:
    response = staff_client.get(reverse(f"admin:{name}_change", args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_request_page_shows_messages_offers_and_events_in_time_order_with_failure_links(staff_client, story):
    request, dead = story["request"], story["dead"]
    content = _page(staff_client, "marketplace_servicerequest", request.pk)
    timeline = content[content.index('id="timeline"'):]
    inbound_at = timeline.index("Fuite d&#x27;eau à Bonamoussadi")
    offer_at = timeline.index("Jean Plombier")
    assert inbound_at < offer_at  # time order: the client wrote before the offer went out
    assert dead.support_code in timeline
    letter = DeadLetter.objects.get(kind="notification", object_id=str(dead.pk))
    event = ErrorEvent.objects.get(support_code=dead.support_code)
    assert reverse("admin:reliability_deadletter_change", args=[letter.pk]) in timeline
    assert reverse("admin:reliability_errorevent_change", args=[event.pk]) in timeline
    assert reverse("admin:messaging_notification_change", args=[dead.pk]) in timeline
    assert timeline.count("tl-out") == 2 and "tl-failed" in timeline


def test_client_and_provider_pages_show_their_timeline(staff_client, story):
    client_page = _page(staff_client, "marketplace_client", story["client"].pk)
    assert "Fuite d&#x27;eau à Bonamoussadi" in client_page and story["dead"].support_code in client_page
    assert reverse("admin:marketplace_servicerequest_change", args=[story["request"].pk]) in client_page
    provider_page = _page(staff_client, "marketplace_provider", story["provider"].pk)
    assert story["request"].reference in provider_page[provider_page.index('id="timeline"'):]


def test_failure_records_link_back_to_the_person_and_the_request(staff_client, story):
    dead, request, client = story["dead"], story["request"], story["client"]
    request_url = reverse("admin:marketplace_servicerequest_change", args=[request.pk])
    client_url = reverse("admin:marketplace_client_change", args=[client.pk])
    letter = DeadLetter.objects.get(kind="notification", object_id=str(dead.pk))
    event = ErrorEvent.objects.get(support_code=dead.support_code)
    for name, pk in [("messaging_notification", dead.pk), ("reliability_deadletter", letter.pk),
                     ("reliability_errorevent", event.pk)]:
        page = _page(staff_client, name, pk)
        assert request_url in page and client_url in page, name
    inbound = InboundMessage.objects.get(provider_sid="SM-timeline-1")
    assert client_url in _page(staff_client, "messaging_inboundmessage", inbound.pk)


def test_dead_letter_and_error_event_pages_have_a_redrive_button(staff_client, story):
    dead = story["dead"]
    letter = DeadLetter.objects.get(kind="notification", object_id=str(dead.pk))
    event = ErrorEvent.objects.get(support_code=dead.support_code)
    assert 'name="redrive"' in _page(staff_client, "reliability_errorevent", event.pk)
    assert 'name="redrive"' in _page(staff_client, "reliability_deadletter", letter.pk)
    response = staff_client.post(reverse("admin:reliability_deadletter_do", args=[letter.pk, "redrive"]), follow=True)
    assert response.status_code == 200
    letter.refresh_from_db()
    dead.refresh_from_db()
    assert letter.redriven_at is not None and dead.status == NotificationStatus.PENDING
    assert 'name="redrive"' not in _page(staff_client, "reliability_deadletter", letter.pk)


def test_redrive_button_needs_the_redrive_permission(client, django_user_model, story):
    from django.contrib.auth.models import Permission

    letter = DeadLetter.objects.get(kind="notification", object_id=str(story["dead"].pk))
    viewer = django_user_model.objects.create_user(username="viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_deadletter"))
    client.force_login(viewer)
    assert 'name="redrive"' not in _page(client, "reliability_deadletter", letter.pk)
    response = client.post(reverse("admin:reliability_deadletter_do", args=[letter.pk, "redrive"]))
    assert response.status_code == 403
    letter.refresh_from_db()
    assert letter.redriven_at is None


def test_notification_list_shows_the_text_and_the_page_a_retry_button(staff_client, story):
    content = staff_client.get(reverse("admin:messaging_notification_changelist")).content.decode()
    assert story["dead"].body[:40] in content
    page = _page(staff_client, "messaging_notification", story["dead"].pk)
    assert 'name="retry"' in page
    assert Notification.objects.count() == 2
