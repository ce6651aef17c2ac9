"""Inbound message and conversation admin: read-only lists, search, the "reprocess" action."""

import pytest
from django.contrib.auth.models import Permission

from messaging.models import Conversation, InboundMessage, InboundStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/messaging/inboundmessage/"


def make_message(**overrides) -> InboundMessage:
    fields = {"provider_sid": "SM" + "e" * 32, "sender": "+237677123456", "body": "fuite d'eau", **overrides}
    return InboundMessage.objects.create(**fields)


def test_changelist_and_change_page_render_read_only(staff_client):
    message = make_message(status=InboundStatus.DEAD, support_code="DJB-7K3Q9X", error="RuntimeError: boom")

    assert staff_client.get(CHANGELIST).status_code == 200
    page = staff_client.get(f"{CHANGELIST}{message.pk}/change/")
    assert page.status_code == 200
    assert b"DJB-7K3Q9X" in page.content
    assert b'name="_save"' not in page.content
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403


@pytest.mark.parametrize("query", ["DJB-7K3Q9X", "SMffff", "677123", "robinet"])
def test_search_by_support_code_sid_sender_or_body(staff_client, query):
    make_message()
    wanted = make_message(provider_sid="SM" + "f" * 32, support_code="DJB-7K3Q9X", body="le robinet fuit",
                          sender="+237677123999" if query != "677123" else "+237677123456")

    response = staff_client.get(CHANGELIST, {"q": query})

    assert wanted in response.context["cl"].result_list


def test_filters_by_status_and_channel(staff_client):
    make_message(status=InboundStatus.FAILED)

    assert staff_client.get(CHANGELIST, {"status__exact": "failed", "channel__exact": "whatsapp"}).status_code == 200
    assert staff_client.get(CHANGELIST, {"has_error": "yes"}).status_code == 200


def test_reprocess_action_requeues_failed_messages_only(staff_client, settings, run_tasks, committed):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.record"
    failed = make_message(status=InboundStatus.FAILED, attempts=2)
    processed = make_message(provider_sid="SM" + "9" * 32, status=InboundStatus.PROCESSED)

    with committed():
        response = staff_client.post(
            CHANGELIST, {"action": "reprocess", "_selected_action": [failed.pk, processed.pk]}, follow=True
        )

    assert "1 message" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (InboundStatus.RECEIVED, 0)
    assert run_tasks() == ["messaging.inbound.tasks.process_inbound"]
    failed.refresh_from_db()
    assert failed.status == InboundStatus.PROCESSED


def test_reprocess_action_needs_its_permission(client, django_user_model):
    viewer = django_user_model.objects.create_user(username="viewer", password="x-pass-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_inboundmessage"))
    client.force_login(viewer)
    failed = make_message(status=InboundStatus.FAILED)

    page = client.get(CHANGELIST)
    client.post(CHANGELIST, {"action": "reprocess", "_selected_action": [failed.pk]})

    assert page.status_code == 200 and b"reprocess" not in page.content
    failed.refresh_from_db()
    assert failed.status == InboundStatus.FAILED


def test_conversation_admin_lists_conversations(staff_client):
    conversation = Conversation.objects.create(phone="+237677123456", language="en")

    assert staff_client.get("/admin/messaging/conversation/").status_code == 200
    assert staff_client.get(f"/admin/messaging/conversation/{conversation.pk}/change/").status_code == 200
