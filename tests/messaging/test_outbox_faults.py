"""Issue 10's defects, each reproduced through the real twilio client against the fake Twilio.

Composed the way they happen: storms that outlast a channel's attempts, every channel down then back,
lookups that fail, a lease lost after Twilio took the message, template sends, poison messages.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import AttemptOutcome, Conversation, DeliveryAttempt, Notification, NotificationStatus
from messaging.outbox import enqueue
from messaging.outbox.dispatch import claim_due, dispatch_due, leases_recover
from reliability.breakers import breaker_reset, clear_cache
from reliability.models import DeadLetter, ErrorEvent
from tests.factories import make_due
from tests.fakes import twilio_server as fake

pytestmark = pytest.mark.django_db

PHONE = "+237677000333"
WA = f"whatsapp:{PHONE}"


@pytest.fixture
def in_window():
    return Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())


def run_rounds(n: int) -> None:
    for _ in range(n):
        make_due()
        dispatch_due()


def test_a_storm_of_twilio_20500_on_every_channel_never_dead_letters_and_delivers_after(fake_twilio, in_window):
    storm = [fake.error(20500)] * 30
    fake_twilio.script(WA, *storm)
    fake_twilio.script(PHONE, *storm)
    n = enqueue(key="storm", body="Un plombier arrive", phone=PHONE, channels=["whatsapp", "sms"])
    run_rounds(12)
    n.refresh_from_db()
    assert n.status in (NotificationStatus.PENDING, NotificationStatus.FAILED)
    assert not DeadLetter.objects.exists()
    assert set(DeliveryAttempt.objects.filter(notification=n, outcome=AttemptOutcome.FAILED)
               .values_list("category", flat=True)) == {"transient"}
    with fake_twilio.lock:  # Twilio recovers
        fake_twilio.scripts.clear()
    breaker_reset("whatsapp", user=None)
    breaker_reset("sms", user=None)
    run_rounds(2)
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT
    assert fake_twilio.count(WA) + fake_twilio.count(PHONE) == 1


def test_63007_on_whatsapp_and_sms_waits_then_goes_out_when_a_channel_comes_back(fake_twilio, in_window, settings):
    settings.BREAKERS = {name: {**config, "open_seconds": 0.1} for name, config in settings.BREAKERS.items()}
    fake_twilio.script(WA, *[fake.error(63007)] * 50)
    fake_twilio.script(PHONE, *[fake.error(63007)] * 50)
    sent = [enqueue(key=f"outage{i}", body=f"m{i}", phone=PHONE, channels=["whatsapp", "sms"],
                    priority=90 if i == 0 else 50) for i in range(5)]
    dispatch_due()
    for _ in range(8):  # probes during the outage fail: their messages return to waiting
        time.sleep(0.15)  # the breakers' open wait (0.1 s) passes: the next send is a half-open probe
        clear_cache()
        Notification.objects.filter(status__in=["pending", "failed"]).update(next_attempt_at=timezone.now())
        dispatch_due()
    assert not DeadLetter.objects.exists()
    assert Notification.objects.filter(status=NotificationStatus.DEAD).count() == 0
    # SMS is fixed by staff. Every message waits out a long backoff but one: its probe succeeds on SMS, and
    # that wakes the others at once instead of at the end of their backoff.
    time.sleep(0.15)
    clear_cache()
    with fake_twilio.lock:
        fake_twilio.scripts.pop(PHONE)
    waiting = Notification.objects.filter(status__in=["pending", "failed"])
    assert waiting.count() == 5
    waiting.update(next_attempt_at=timezone.now() + timedelta(minutes=10))
    Notification.objects.filter(pk=sent[-1].pk).update(next_attempt_at=timezone.now())
    for _ in range(4):
        time.sleep(0.15)
        clear_cache()
        dispatch_due()  # no make_due: the woken rows are due by themselves
    statuses = set(Notification.objects.filter(pk__in=[n.pk for n in sent]).values_list("status", flat=True))
    assert statuses == {NotificationStatus.SENT}
    assert fake_twilio.count(PHONE) == 5


def test_a_lookup_that_keeps_failing_counts_and_ends_in_fallback_with_an_error_event(fake_twilio, in_window):
    fake_twilio.script(WA, fake.slow(1.5, store=False))
    fake_twilio.script_lookup(*[fake.server_error(500)] * 10)
    n = enqueue(key="lookup-fails", body="x", phone=PHONE, channels=["whatsapp", "sms"])
    dispatch_due()
    run_rounds(6)
    n.refresh_from_db()
    assert (n.status, n.channel) == (NotificationStatus.SENT, "sms")
    event = ErrorEvent.objects.get(category="messaging.unknown_outcome")
    assert str(n.pk) in event.message


def test_after_a_lost_lease_its_own_sent_attempt_does_not_block_adoption(fake_twilio, in_window):
    n = enqueue(key="own-sid", body="Votre prestataire arrive", phone=PHONE, channels=["whatsapp"])
    stored = fake_twilio.add_message(to=WA, body=n.body)
    # The send went out and its attempt row was written, but the lease was lost before the state was.
    DeliveryAttempt.objects.create(notification=n, channel="whatsapp", outcome=AttemptOutcome.SENT,
                                   provider_sid=stored["sid"])
    Notification.objects.filter(pk=n.pk).update(status=NotificationStatus.UNKNOWN)
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.provider_sid) == (NotificationStatus.SENT, stored["sid"])
    assert fake_twilio.count(WA) == 1


def test_a_template_send_adopts_only_the_message_with_its_content(fake_twilio, settings):
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = "HX" + "a" * 32
    other = fake_twilio.add_message(to=WA, body="Djobea: DJB-000001 a été annulée")
    fake_twilio.script(WA, fake.slow(1.5, store=True))
    n = enqueue(key="tpl", body="x", phone=PHONE, channels=["whatsapp"],
                template_variables={"1": "DJB-000042 acceptée par Paul"})
    dispatch_due()
    make_due()
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and n.provider_sid != other["sid"]
    assert fake_twilio.count(WA) == 2  # the other message, and ours once


def test_two_template_messages_that_both_match_are_ambiguous_and_neither_is_adopted(fake_twilio, settings):
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = "HX" + "b" * 32
    first = fake_twilio.add_message(to=WA, body="Djobea: Rappel")
    second = fake_twilio.add_message(to=WA, body="Djobea: Rappel")
    n = enqueue(key="tpl-ambiguous", body="x", phone=PHONE, channels=["whatsapp"], template_variables={"1": "Rappel"})
    Notification.objects.filter(pk=n.pk).update(status=NotificationStatus.UNKNOWN, template_sid="HX" + "b" * 32)
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and n.provider_sid not in (first["sid"], second["sid"])


def test_the_first_lookup_waits_for_twilio_and_finds_a_queued_message_without_date_sent(fake_twilio, in_window,
                                                                                           settings):
    settings.MESSAGING_LOOKUP_DELAY_SECONDS = 5
    fake_twilio.script(WA, fake.slow(1.5, store=True))
    n = enqueue(key="lookup-delay", body="Le plombier arrive", phone=PHONE, channels=["whatsapp"])
    before = timezone.now()
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.UNKNOWN
    assert n.next_attempt_at >= before + timedelta(seconds=5)
    assert fake_twilio.sent_to(WA)[0]["date_sent"] is None  # still queued at Twilio
    make_due()
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and fake_twilio.count(WA) == 1


def test_a_poison_message_whose_lease_keeps_expiring_is_dead_lettered_with_a_support_code(in_window, settings):
    settings.MESSAGING_POISON_LIMIT = 3
    n = enqueue(key="poison", body="x", phone=PHONE, channels=["whatsapp"])
    for _ in range(3):
        make_due()
        claim_due(limit=10)  # the worker claims it, then dies every time
        Notification.objects.filter(pk=n.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
        leases_recover()
    n.refresh_from_db()
    letter = DeadLetter.objects.get(kind="notification", object_id=str(n.pk))
    assert n.status == NotificationStatus.DEAD and letter.reason == "poison"
    assert n.support_code == letter.support_code
    assert n.total_attempts == 2  # the first two expiries counted as attempts; the third ended it


def test_a_probe_of_a_recovering_channel_uses_a_low_priority_message_and_the_offer_moves_on(
        fake_twilio, in_window, settings):
    from messaging.models import Priority
    from reliability.breakers import breaker

    settings.BREAKERS = {name: {**config, "open_seconds": 0.1} for name, config in settings.BREAKERS.items()}
    breaker("whatsapp").trip("63007: sender not found")
    time.sleep(0.15)  # the open wait has passed: the next WhatsApp call is a probe
    clear_cache()
    offer = enqueue(key="offer", body="Nouvelle mission", phone=PHONE, priority=Priority.HIGH,
                    channels=["whatsapp", "sms"])
    countdown = enqueue(key="countdown", body="Encore 10 min", phone=PHONE, priority=Priority.LOW,
                        channels=["whatsapp", "sms"])
    dispatch_due()
    offer.refresh_from_db()
    countdown.refresh_from_db()
    assert (offer.status, offer.channel) == (NotificationStatus.SENT, "sms")
    assert (countdown.status, countdown.channel) == (NotificationStatus.SENT, "whatsapp")  # it was the probe
    assert DeliveryAttempt.objects.filter(notification=offer, error_code="probe_avoided").exists()


def test_a_message_waiting_on_its_chain_never_tries_again_the_channel_that_refused_its_recipient(
        fake_twilio, in_window):
    fake_twilio.script(WA, *[fake.error(63007)] * 10)  # WhatsApp's sender is broken: its breaker opens
    fake_twilio.script(PHONE, fake.error(30006))  # a landline: SMS cannot reach it, WhatsApp may
    n = enqueue(key="refused-sms", body="x", phone=PHONE, channels=["whatsapp", "sms"])
    for _ in range(4):
        make_due()
        dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel) == (NotificationStatus.PENDING, "whatsapp")  # waits for WhatsApp only
    assert fake_twilio.count(PHONE) == 0 and len([r for r in fake_twilio.requests
                                                   if r.get("form", {}).get("To") == PHONE]) == 1


def test_a_number_twilio_calls_invalid_is_dead_lettered_at_once_even_while_whatsapp_cannot_be_tried(
        fake_twilio, in_window):
    from reliability.breakers import breaker

    breaker("whatsapp").trip("63007: sender not found")  # WhatsApp cannot be tried now
    fake_twilio.script(PHONE, fake.error(21211))  # SMS: not a valid phone number, on any phone channel
    n = enqueue(key="invalid-number", body="x", phone=PHONE, channels=["whatsapp", "sms"])
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.DEAD
    assert DeadLetter.objects.get(kind="notification", object_id=str(n.pk)).error_code == "21211"


def test_a_breaker_awaiting_its_probe_does_not_hold_the_messages_that_would_probe_it(settings):
    # Chaos run: WhatsApp and SMS fixed after 63007, every waiting message on SMS, nothing probed WhatsApp:
    # its open breaker kept the level "moderate", which held the low-priority messages for good.
    from reliability.breakers import breaker
    from reliability.degradation import refusing_breakers
    from reliability.health import heartbeat_beat
    from reliability.monitoring.rules import evaluate_alerts

    settings.BREAKERS = {name: {**config, "open_seconds": 0.1} for name, config in settings.BREAKERS.items()}
    breaker("whatsapp").trip("63007: sender not found")
    clear_cache()
    assert refusing_breakers() == ["whatsapp"]
    time.sleep(0.15)  # the open wait passes: the next WhatsApp send is a probe
    clear_cache()
    assert refusing_breakers() == []
    heartbeat_beat()
    assert evaluate_alerts()["level"] == "normal"
