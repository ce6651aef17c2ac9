"""Processing in the task cluster: handler in a transaction, retries with backoff, dead letter, reply."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from messaging.inbound.processing import inbound_process, inbound_reprocess, inbound_retry_due
from messaging.inbound.tasks import process_inbound, retry_due_inbound
from messaging.models import Conversation, InboundMessage, InboundStatus, Notification
from reliability.dead_letters import dead_letter_redrive
from reliability.models import DeadLetter, ErrorEvent
from tests.messaging import handlers
from tests.messaging.inbound_support import (
    inbound_settings,  # noqa: F401  (fixture)
    signed_post,
    twilio_params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]

SENDER = "+237677123456"


@pytest.fixture
def failing(settings):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.explode"
    settings.INBOUND_RETRY_MAX_ATTEMPTS = 3
    settings.INBOUND_RETRY_BASE_SECONDS = 10
    settings.INBOUND_RETRY_CAP_SECONDS = 60
    return settings


@pytest.fixture
def receive(client, committed):
    """Post a signed message through the webhook (its processing task queued, as on commit)."""

    def post(**overrides) -> InboundMessage:
        with committed():
            response = signed_post(client, twilio_params(**overrides))
        assert response.status_code == 200
        return InboundMessage.objects.get(provider_sid=twilio_params(**overrides)["MessageSid"])

    return post


def retry_until_dead(message: InboundMessage, *, max_rounds: int = 10) -> InboundMessage:
    """Run the retry schedule at each message's next_attempt_at until it is dead (bounded)."""
    for _ in range(max_rounds):
        message.refresh_from_db()
        if message.status == InboundStatus.DEAD:
            return message
        inbound_retry_due(now=message.next_attempt_at + timedelta(seconds=1))
    raise AssertionError(f"still {message.status} after {max_rounds} rounds")


@pytest.fixture
def dead_message(receive, run_tasks, failing):
    """A message whose handler failed on every attempt: dead-lettered, sender told."""
    message = receive()
    run_tasks()
    return retry_until_dead(message)


def test_successful_handler_marks_the_message_processed(receive, run_tasks):
    message = receive()

    run_tasks()

    message.refresh_from_db()
    assert message.status == InboundStatus.PROCESSED
    assert message.processed_at is not None
    assert (message.attempts, message.error, message.next_attempt_at) == (1, "", None)


def test_failure_rolls_back_the_handler_records_an_error_and_schedules_a_retry(receive, run_tasks, failing):
    message = receive()
    before = timezone.now()

    run_tasks()

    message.refresh_from_db()
    assert message.status == InboundStatus.FAILED
    assert message.attempts == 1
    assert before <= message.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    assert "RuntimeError" in message.error and SENDER not in message.error  # phone masked
    event = ErrorEvent.objects.get(support_code=message.support_code)
    assert event.category == "inbound" and event.subject == f"inbound:{message.pk}"
    assert SENDER not in event.message
    assert Conversation.objects.get(phone=SENDER).language == "fr"  # the handler's write was rolled back
    assert not DeadLetter.objects.exists()


def test_retry_schedule_waits_for_the_backoff_then_retries(receive, run_tasks, failing):
    message = receive()
    run_tasks()
    message.refresh_from_db()

    assert inbound_retry_due(now=message.next_attempt_at - timedelta(seconds=1)) == 0
    assert inbound_retry_due(now=message.next_attempt_at + timedelta(seconds=1)) == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.FAILED, 2)
    assert handlers.CALLS == [message.provider_sid] * 2


def test_a_message_that_fails_once_is_processed_on_retry(receive, run_tasks, settings):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.fail_first"
    message = receive()
    run_tasks()
    message.refresh_from_db()

    inbound_retry_due(now=message.next_attempt_at + timedelta(seconds=1))

    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.PROCESSED, 2)


def test_last_failure_dead_letters_and_tells_the_sender_in_french(receive, run_tasks, failing):
    message = receive()
    run_tasks()

    message = retry_until_dead(message)

    assert message.attempts == 3
    letter = DeadLetter.objects.get(kind="inbound", object_id=str(message.pk))
    assert letter.support_code == message.support_code
    assert letter.attempts == 3
    reply = Notification.objects.get(recipient_phone=SENDER)
    assert message.support_code in reply.body
    assert "votre demande est en sécurité" in reply.body
    assert reply.language == "fr"
    assert ErrorEvent.objects.filter(category="inbound").count() == 3
    assert handlers.CALLS == [message.provider_sid] * 3


def test_dead_letter_reply_is_in_english_for_an_english_conversation(receive, run_tasks, failing):
    Conversation.objects.create(phone=SENDER, language="en")
    message = receive()
    run_tasks()

    message = retry_until_dead(message)

    reply = Notification.objects.get(recipient_phone=SENDER)
    assert "your request is safe" in reply.body
    assert message.support_code in reply.body
    assert reply.language == "en"


def test_a_dead_message_is_not_retried_any_more(dead_message):
    message = dead_message
    calls = len(handlers.CALLS)

    assert inbound_retry_due(now=timezone.now() + timedelta(days=1)) == 0
    assert len(handlers.CALLS) == calls
    assert Notification.objects.filter(recipient_phone=message.sender).count() == 1


def test_the_same_task_run_twice_processes_once(receive):
    message = receive()

    assert process_inbound(message.pk) == "processed"
    assert process_inbound(message.pk) == "skipped"
    assert handlers.CALLS == [message.provider_sid]


def test_a_claimed_message_is_not_taken_by_the_schedule_until_its_lease_expires(receive, settings):
    message = receive()
    InboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert inbound_process(message_id=message.pk) == "skipped"
    assert inbound_retry_due(now=timezone.now() + timedelta(minutes=6)) == 1
    assert handlers.CALLS == [message.provider_sid]


def test_a_received_message_whose_task_was_lost_is_picked_up_by_the_schedule(receive):
    message = receive()  # its on-commit task is never run here

    assert inbound_retry_due(now=timezone.now()) == 0  # the queued task still has its grace period
    assert inbound_retry_due(now=timezone.now() + timedelta(minutes=2)) == 1
    message.refresh_from_db()
    assert message.status == InboundStatus.PROCESSED


def test_retry_task_entry_point_runs_the_schedule(receive):
    InboundMessage.objects.filter(pk=receive().pk).update(received_at=timezone.now() - timedelta(minutes=5))

    assert retry_due_inbound() == 1
    assert InboundMessage.objects.get().status == InboundStatus.PROCESSED


def test_reprocessing_a_dead_message_redrives_its_dead_letter(
    dead_message, run_tasks, failing, staff_user, committed
):
    message = dead_message
    failing.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.record"

    with committed():
        assert inbound_reprocess(message_ids=[message.pk], user=staff_user) == 1
        assert inbound_reprocess(message_ids=[message.pk], user=staff_user) == 0  # twice is once

    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.RECEIVED, 0)
    assert DeadLetter.objects.get(object_id=str(message.pk)).redriven_by == staff_user
    run_tasks()
    message.refresh_from_db()
    assert message.status == InboundStatus.PROCESSED


def test_reprocessing_leaves_processed_messages_alone(receive, run_tasks, staff_user):
    message = receive()
    run_tasks()

    assert inbound_reprocess(message_ids=[message.pk], user=staff_user) == 0
    assert handlers.CALLS == [message.provider_sid]


def test_redriving_from_the_dead_letter_queue_reprocesses_the_message(
    dead_message, run_tasks, failing, staff_user, committed
):
    message = dead_message
    failing.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.record"
    letter = DeadLetter.objects.get(kind="inbound")

    with committed():
        assert dead_letter_redrive(ids=[letter.pk], user=staff_user) == 1
    run_tasks()

    message.refresh_from_db()
    assert message.status == InboundStatus.PROCESSED


def test_unknown_handler_path_is_a_processing_failure_not_a_crash(receive, run_tasks, settings):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.does_not_exist"
    message = receive()

    run_tasks()

    message.refresh_from_db()
    assert message.status == InboundStatus.FAILED
    assert "ImportError" in message.error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_messages_of_one_sender_are_handled_one_at_a_time(client, settings):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.hold"
    handlers.EVENTS.clear()
    ids = []
    for sid in ("SM" + "1" * 32, "SM" + "2" * 32):
        assert signed_post(client, twilio_params(MessageSid=sid)).status_code == 200
        ids.append(InboundMessage.objects.get(provider_sid=sid).pk)

    def work(message_id: int) -> None:
        try:
            inbound_process(message_id=message_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(pk,)) for pk in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    kinds = [kind for kind, _ in handlers.EVENTS]
    assert kinds == ["start", "end", "start", "end"]  # never two starts in a row
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {InboundStatus.PROCESSED}


def test_an_attempt_whose_worker_died_counts_and_is_retried_after_the_lease(receive, settings):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.die"
    message = receive()

    with pytest.raises(KeyboardInterrupt):
        inbound_process(message_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.RECEIVED, 1)
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.record"
    still_leased = timezone.now() + timedelta(seconds=settings.INBOUND_LEASE_SECONDS - 10)
    assert inbound_retry_due(now=still_leased) == 0
    assert inbound_retry_due(now=message.next_attempt_at + timedelta(seconds=1)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.PROCESSED, 2)


def test_when_the_last_attempt_died_the_message_is_dead_lettered_without_running_again(receive, settings):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.die"
    settings.INBOUND_RETRY_MAX_ATTEMPTS = 1
    message = receive()
    with pytest.raises(KeyboardInterrupt):
        inbound_process(message_id=message.pk)
    message.refresh_from_db()

    assert inbound_retry_due(now=message.next_attempt_at + timedelta(seconds=1)) == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.DEAD, 1)
    assert "never finished" in message.error
    assert handlers.CALLS == [message.provider_sid]  # the handler was not run a second time
    assert message.support_code in Notification.objects.get(recipient_phone=SENDER).body


def test_critical_degradation_sends_one_holding_reply_an_hour_and_the_messages_wait(receive, run_tasks, settings):
    from reliability.degradation import degradation_clear, degradation_set

    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.record"
    degradation_set(level="critical", reason="WhatsApp and SMS down", user=None)
    first = receive(MessageSid="SM" + "1" * 32)
    second = receive(MessageSid="SM" + "2" * 32, Body="vous êtes là ?")

    run_tasks()

    held = InboundMessage.objects.filter(pk__in=[first.pk, second.pk])
    assert set(held.values_list("status", "attempts")) == {(InboundStatus.RECEIVED, 0)}
    assert handlers.CALLS == []
    holding = Notification.objects.get(recipient_phone=SENDER)
    assert "ralentissement" in holding.body and holding.priority == 90

    degradation_clear(user=None)
    later = max(held.values_list("next_attempt_at", flat=True)) + timedelta(seconds=1)
    assert inbound_retry_due(now=later) == 2
    assert set(held.values_list("status", flat=True)) == {InboundStatus.PROCESSED}
    assert sorted(handlers.CALLS) == sorted([first.provider_sid, second.provider_sid])
