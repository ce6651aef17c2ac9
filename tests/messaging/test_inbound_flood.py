"""A sender that floods or loops is throttled: every message stored, few replies, one staff alert."""

import pytest
from django.db.models import Q
from django.utils import translation

from messaging.models import InboundMessage, InboundStatus, Notification
from reliability.models import Alert
from tests.messaging import handlers
from tests.messaging.inbound_support import inbound_settings, signed_post, twilio_params  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]
SENDER = "whatsapp:+237677123456"


def receive(client, n: int, body: str, sender: str = SENDER) -> None:
    assert signed_post(client, twilio_params(MessageSid=f"SM{n:032d}", From=sender, Body=body)).status_code == 200


def test_a_flood_is_stored_in_full_but_answered_only_up_to_the_limit(client, settings, run_tasks, committed):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.echo"
    with committed():
        for n in range(30):
            receive(client, n, f"message {n}")
        receive(client, 99, "Bonjour", sender="whatsapp:+237699000111")  # someone else, at the same time
    run_tasks()

    assert InboundMessage.objects.count() == 31  # nothing lost
    assert len(handlers.CALLS) == settings.INBOUND_FLOOD_MAX_MESSAGES + 1  # 10 answered, plus the other sender
    held = InboundMessage.objects.filter(error__startswith="Not answered")
    assert held.count() == 20 and set(held.values_list("status", flat=True)) == {InboundStatus.PROCESSED}
    notices = Notification.objects.filter(idempotency_key__startswith="inbound-flood:")
    assert notices.count() == 1  # one notice an hour, not one per message
    alert = Alert.objects.get(dedup_key__startswith="inbound-flood:")
    assert "237677123456" not in alert.dedup_key + alert.title  # masked
    with translation.override("en"):  # the cluster wrote it in French; an English reader reads it in English
        assert f" messages in {settings.INBOUND_FLOOD_WINDOW_SECONDS} s)" in alert.detail_display
    with translation.override("fr"):
        assert f" messages en {settings.INBOUND_FLOOD_WINDOW_SECONDS} s)" in alert.detail_display
    assert InboundMessage.objects.get(provider_sid=f"SM{99:032d}").error == ""


def test_the_same_text_over_and_over_is_not_answered_each_time(client, settings, run_tasks, committed):
    settings.INBOUND_FLOOD_MAX_MESSAGES = 1000  # only the repeat rule
    with committed():
        for n in range(8):
            receive(client, n, "Je suis absent, je vous répondrai plus tard.")
    run_tasks()

    assert len(handlers.CALLS) == settings.INBOUND_FLOOD_MAX_REPEATS
    assert InboundMessage.objects.count() == 8


def test_an_auto_responder_in_a_loop_with_djobea_costs_a_few_messages(client, settings, run_tasks, committed,
                                                                       demo_data):
    """It answers every reply of ours; we answer every message of its: a loop, until the throttle breaks it."""
    from messaging.tasks import outbox_dispatch_due_task

    settings.MESSAGING_INBOUND_HANDLER = "marketplace.conversation.handle_inbound"
    phone = SENDER.removeprefix("whatsapp:")
    for n in range(150):
        with committed():
            receive(client, n, "Bonjour, je suis absent. Réponse automatique.")
        run_tasks()
        outbox_dispatch_due_task()

    replies = Notification.objects.filter(Q(recipient_phone=phone))
    assert InboundMessage.objects.filter(sender=phone).count() == 150
    assert replies.count() <= settings.INBOUND_FLOOD_MAX_REPEATS + 1, list(replies.values_list("body", flat=True))
    assert Alert.objects.filter(dedup_key__startswith="inbound-flood:").count() == 1
