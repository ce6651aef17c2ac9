"""The outbox: idempotent enqueue, channel chains, dispatch on commit (console channel)."""

import pytest
from django.db import transaction

from messaging.models import AttemptOutcome, DeliveryAttempt, Notification, NotificationStatus, Priority
from messaging.outbox import channel_chain, enqueue

pytestmark = pytest.mark.django_db

PHONE = "+237677123456"


def test_enqueue_twice_with_the_same_key_is_one_message():
    first = enqueue(key="offer:1:provider:2", body="Nouvelle mission", phone=PHONE)
    second = enqueue(key="offer:1:provider:2", body="Nouvelle mission (bis)", phone=PHONE)
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert Notification.objects.get().body == "Nouvelle mission"


def test_default_chain_keeps_only_the_channels_the_recipient_has():
    assert channel_chain(phone=PHONE, email="") == ["whatsapp", "sms"]
    assert channel_chain(phone=PHONE, email="a@b.cm") == ["whatsapp", "sms", "email"]
    assert channel_chain(phone=None, email="a@b.cm") == ["email"]
    assert channel_chain(phone=PHONE, email="", channels=["sms", "email"]) == ["sms"]


def test_enqueue_refuses_a_recipient_no_channel_can_reach():
    with pytest.raises(ValueError):
        enqueue(key="k", body="x", phone=None, email="")
    assert not Notification.objects.exists()


def test_enqueue_stores_priority_chain_and_first_channel():
    n = enqueue(key="k1", body="x", phone=PHONE, email="c@d.cm", priority=Priority.HIGH, subject="request:42")
    assert (n.priority, n.channels, n.channel, n.status) == (Priority.HIGH, ["whatsapp", "sms", "email"],
                                                             "whatsapp", NotificationStatus.PENDING)
    assert n.subject == "request:42"


@pytest.mark.django_db(transaction=True)
def test_a_message_exists_only_if_the_causing_transaction_commits(run_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(key="rolled-back", body="never", phone=PHONE)
        raise RuntimeError("business failure")
    assert not Notification.objects.exists()
    assert run_tasks() == []


@pytest.mark.django_db(transaction=True)
def test_commit_wakes_the_outbox_worker_that_sends_on_the_console_without_a_task_per_message(settings):
    from django.utils import timezone
    from django_q.models import OrmQ

    from messaging.models import Conversation
    from messaging.outbox.worker import OutboxWorker

    settings.MESSAGING_BACKEND = "console"
    settings.CONSOLE_FAIL_RATE = 0.0
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    with transaction.atomic():
        n = enqueue(key="welcome", body="Bienvenue", phone=PHONE)
    assert not OrmQ.objects.exists()  # issue 9: no queued task per message
    assert OutboxWorker().run(until_idle=True) == 1
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT
    assert n.provider_sid.startswith("CONSOLE")
    attempt = DeliveryAttempt.objects.get(notification=n)
    assert (attempt.channel, attempt.outcome) == ("whatsapp", AttemptOutcome.SENT)
