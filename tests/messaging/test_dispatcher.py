"""The dispatcher on one database: fallback, backoff, dead letters, unknown outcomes, leases, routing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from messaging.models import AttemptOutcome, Conversation, DeliveryAttempt, Notification, NotificationStatus
from messaging.outbox import enqueue
from messaging.outbox.dispatch import Sent, claim_due, dispatch_due, leases_recover, sends_record
from messaging.outbox.outcomes import Attempt
from reliability import metrics
from reliability.breakers import breaker
from reliability.dead_letters import dead_letter_redrive
from reliability.models import DeadLetter
from tests.factories import make_due, set_channel
from tests.fakes import twilio_server as fake

pytestmark = pytest.mark.django_db

PHONE = "+237677000222"
WA = f"whatsapp:{PHONE}"


@pytest.fixture
def in_window():
    return Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())


def test_fallback_whatsapp_then_sms_then_email(fake_twilio, in_window):
    fake_twilio.script(WA, fake.error(63003))
    fake_twilio.script(PHONE, fake.error(21614))
    n = enqueue(key="fb", body="Bonjour", phone=PHONE, email="client@djobea.test")
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel) == (NotificationStatus.SENT, "email")
    assert [m.to for m in mail.outbox] == [["client@djobea.test"]]
    outcomes = list(DeliveryAttempt.objects.filter(notification=n).order_by("started_at", "pk")
                    .values_list("channel", "outcome", "error_code"))
    assert outcomes == [("whatsapp", "failed", "63003"), ("sms", "failed", "21614"), ("email", "sent", "")]


def test_every_channel_failing_past_the_give_up_horizon_ends_in_a_dead_letter(fake_twilio, in_window, settings):
    # Issue 10: a transient failure (the mail server down) waits up to MESSAGING_GIVE_UP_HOURS; at 0 it gives up.
    settings.MESSAGING_GIVE_UP_HOURS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    set_channel(settings, "email", retry={"base": 1, "cap": 1, "attempts": 1})
    fake_twilio.script(WA, fake.error(63003))
    fake_twilio.script(PHONE, fake.error(21211))
    n = enqueue(key="dead", body="x", phone=PHONE, email="client@djobea.test", subject="request:7")
    dispatch_due()
    n.refresh_from_db()
    letter = DeadLetter.objects.get(kind="notification", object_id=str(n.pk))
    assert n.status == NotificationStatus.DEAD
    assert n.support_code == letter.support_code and letter.support_code.startswith("DJB-")
    assert (letter.channel, letter.error_code, letter.attempts) == ("email", "email_unavailable", 3)


def test_recipient_invalid_on_every_channel_dead_letters_at_once(fake_twilio, in_window):
    fake_twilio.script(WA, fake.error(63003))
    fake_twilio.script(PHONE, fake.error(21211))
    n = enqueue(key="invalid-everywhere", body="x", phone=PHONE, channels=["whatsapp", "sms"])
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.DEAD
    assert DeadLetter.objects.get(kind="notification", object_id=str(n.pk)).error_code == "21211"


def test_a_transient_failure_on_the_last_channel_waits_on_the_chain_instead_of_dead_lettering(
        fake_twilio, in_window):
    fake_twilio.script(WA, fake.error(63003))
    fake_twilio.script(PHONE, *[fake.server_error(500)] * 4)
    n = enqueue(key="waits", body="x", phone=PHONE, channels=["whatsapp", "sms"])
    for _ in range(4):
        Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now())
        dispatch_due()
    n.refresh_from_db()
    # WhatsApp refused the recipient for good: the message waits on SMS, the only channel left.
    assert (n.status, n.channel) == (NotificationStatus.PENDING, "sms")
    assert n.next_attempt_at > timezone.now()
    assert not DeadLetter.objects.filter(kind="notification", object_id=str(n.pk)).exists()


def test_transient_errors_back_off_within_full_jitter_bounds_then_move_on(fake_twilio, in_window, settings):
    set_channel(settings, "whatsapp", retry={"base": 10, "cap": 25, "attempts": 3})
    fake_twilio.script(WA, fake.server_error(503), fake.server_error(502), fake.server_error(500))
    n = enqueue(key="bo", body="x", phone=PHONE, channels=["whatsapp", "sms"])
    for attempt in (1, 2):
        before = timezone.now()
        dispatch_due(max_batches=1)
        n.refresh_from_db()
        ceiling = min(25, 10 * 2 ** (attempt - 1))
        assert n.status == NotificationStatus.FAILED and n.attempts == attempt
        assert before <= n.next_attempt_at <= timezone.now() + timedelta(seconds=ceiling)
        make_due()
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel, n.total_attempts) == (NotificationStatus.SENT, "sms", 4)


def test_unknown_outcome_adopts_the_message_twilio_already_has(fake_twilio, in_window):
    fake_twilio.script(WA, fake.slow(1.5, store=True))
    n = enqueue(key="unk", body="Votre prestataire arrive", phone=PHONE, channels=["whatsapp"])
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.UNKNOWN
    make_due()
    dispatch_due()
    n.refresh_from_db()
    assert fake_twilio.count(WA) == 1
    assert n.status == NotificationStatus.SENT
    assert n.provider_sid == fake_twilio.sent_to(WA)[0]["sid"]


def test_a_connection_lost_mid_send_is_looked_up_and_adopted_not_resent(fake_twilio, in_window):
    fake_twilio.script(WA, fake.drop())
    n = enqueue(key="unk-drop", body="Votre prestataire arrive", phone=PHONE, channels=["whatsapp"])
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.last_error_code) == (NotificationStatus.UNKNOWN, "connection_lost")
    make_due()
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and fake_twilio.count(WA) == 1
    assert n.provider_sid == fake_twilio.sent_to(WA)[0]["sid"]


def test_unknown_outcome_resends_when_twilio_does_not_have_it(fake_twilio, in_window):
    fake_twilio.script(WA, fake.slow(1.5, store=False))
    n = enqueue(key="unk2", body="x", phone=PHONE, channels=["whatsapp"])
    dispatch_due()
    make_due()
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT
    assert fake_twilio.count(WA) == 1


def test_an_unknown_outcome_of_a_template_send_is_adopted_not_sent_twice(fake_twilio, settings):
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = "HX" + "e" * 32
    fake_twilio.script(WA, fake.slow(1.5, store=True))
    n = enqueue(key="unk-tpl", body="x", phone=PHONE, channels=["whatsapp"])  # window closed: the template
    dispatch_due()
    make_due()
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.template_sid) == (NotificationStatus.SENT, "HX" + "e" * 32)
    assert fake_twilio.count(WA) == 1 and n.provider_sid == fake_twilio.sent_to(WA)[0]["sid"]


def test_expired_lease_is_recovered_and_sent_once(fake_twilio, in_window):
    n = enqueue(key="lease", body="x", phone=PHONE)
    [claim] = claim_due(limit=10)  # a dispatcher claims, then dies
    Notification.objects.filter(pk=n.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert leases_recover() == 1
    assert DeliveryAttempt.objects.get(notification=n).error_code == "lease_expired"
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and fake_twilio.count(WA) == 1
    assert claim.pk == n.pk


def test_outside_the_window_whatsapp_is_skipped_up_front_for_sms(fake_twilio):
    n = enqueue(key="win", body="x", phone=PHONE)
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel) == (NotificationStatus.SENT, "sms")
    assert fake_twilio.count(WA) == 0 and fake_twilio.count(PHONE) == 1
    skipped = DeliveryAttempt.objects.get(notification=n, channel="whatsapp")
    assert (skipped.outcome, skipped.error_code) == (AttemptOutcome.SKIPPED, "window_closed")


def test_outside_the_window_the_template_is_used_when_configured(fake_twilio, settings):
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = "HX" + "b" * 32
    n = enqueue(key="win-tpl", body="x", phone=PHONE)
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel) == (NotificationStatus.SENT, "whatsapp")
    assert fake_twilio.sent_to(WA)[0]["content_sid"] == "HX" + "b" * 32


def test_an_open_breaker_sends_nothing_to_that_service(fake_twilio, in_window):
    breaker("whatsapp").trip("test: channel config")
    n = enqueue(key="brk", body="x", phone=PHONE)
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel) == (NotificationStatus.SENT, "sms")
    assert fake_twilio.count(WA) == 0


def test_an_open_breaker_on_the_last_channel_waits_for_the_probe(fake_twilio, in_window):
    breaker("whatsapp").trip("test")
    n = enqueue(key="brk-wait", body="x", phone=PHONE, channels=["whatsapp"])
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.PENDING and n.next_attempt_at > timezone.now()
    assert fake_twilio.count() == 0


def test_redrive_twice_delivers_once(fake_twilio, in_window, staff_user):
    fake_twilio.script(WA, fake.error(63003))
    n = enqueue(key="redrive", body="x", phone=PHONE, channels=["whatsapp"])
    dispatch_due()
    letter = DeadLetter.objects.get(kind="notification", object_id=str(n.pk))
    assert dead_letter_redrive(ids=[letter.pk], user=staff_user) == 1
    assert dead_letter_redrive(ids=[letter.pk], user=staff_user) == 0
    dispatch_due()
    dispatch_due()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT
    assert fake_twilio.count(WA) == 1  # the failed try stored nothing; exactly one delivery


def test_console_injecting_63007_on_whatsapp_still_reaches_the_client_by_sms(settings, in_window):
    settings.MESSAGING_BACKEND = "console"
    settings.CONSOLE_FAIL_RATE, settings.CONSOLE_FAIL_CODE, settings.CONSOLE_FAIL_CHANNELS = 1.0, "63007", ["whatsapp"]
    sent_before = metrics.SENDS.labels(channel="sms", outcome="sent")._value.get()
    n = enqueue(key="demo", body="x", phone=PHONE)
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel) == (NotificationStatus.SENT, "sms")
    assert breaker("whatsapp").state() == "open"
    assert metrics.SENDS.labels(channel="sms", outcome="sent")._value.get() == sent_before + 1


def test_console_63007_on_every_channel_waits_with_a_support_code_the_admin_finds(settings, in_window, staff_client):
    # Issue 10: a channel-configuration error is fixed by staff in minutes: the message waits, it is not dead.
    from django.urls import reverse

    settings.MESSAGING_BACKEND = "console"
    settings.CONSOLE_FAIL_RATE, settings.CONSOLE_FAIL_CODE = 1.0, "63007"
    settings.CONSOLE_FAIL_CHANNELS = ["whatsapp", "sms"]
    n = enqueue(key="demo-dead", body="x", phone=PHONE, subject="request:9", channels=["whatsapp", "sms"])
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel, n.last_error_code) == (NotificationStatus.PENDING, "whatsapp", "63007")
    assert not DeadLetter.objects.filter(kind="notification", object_id=str(n.pk)).exists()
    assert n.support_code.startswith("DJB-")
    assert (breaker("whatsapp").state(), breaker("sms").state()) == ("open", "open")
    typed = n.support_code.lower().replace("-", "")  # as a client reads it out over the phone
    for admin_list in ("reliability_errorevent", "messaging_notification"):
        response = staff_client.get(reverse(f"admin:{admin_list}_changelist"), {"q": typed})
        assert n.support_code in [row.support_code for row in response.context["cl"].result_list], admin_list


def test_priority_orders_the_claim(in_window):
    low = enqueue(key="low", body="x", phone=PHONE, priority=10)
    high = enqueue(key="high", body="x", phone=PHONE, priority=90)
    claims = claim_due(limit=1)
    assert [c.pk for c in claims] == [high.pk]
    assert Notification.objects.get(pk=low.pk).status == NotificationStatus.PENDING


def test_unknown_codes_get_fewer_retries_and_an_error_event(fake_twilio, in_window, settings):
    from reliability.models import ErrorEvent

    settings.MESSAGING_UNKNOWN_CODE_ATTEMPTS = 2
    fake_twilio.script(WA, fake.error(12345), fake.error(12345))
    errors_before = metrics.PROVIDER_ERRORS.labels(channel="whatsapp", code="12345")._value.get()
    n = enqueue(key="unknown-code", body="x", phone=PHONE, channels=["whatsapp", "sms"])
    dispatch_due(max_batches=1)
    make_due()
    dispatch_due(max_batches=1)
    n.refresh_from_db()
    assert (n.status, n.channel, n.last_error_category) == (NotificationStatus.PENDING, "sms", "unknown")
    assert ErrorEvent.objects.filter(category="messaging.unknown").count() == 2
    assert n.support_code in set(ErrorEvent.objects.values_list("support_code", flat=True))
    assert metrics.PROVIDER_ERRORS.labels(channel="whatsapp", code="12345")._value.get() == errors_before + 2


def test_the_schedule_recovers_leases_and_sends_what_is_due(fake_twilio, in_window):
    from djobea.schedules import SCHEDULES
    from messaging.tasks import outbox_dispatch_due_task

    assert ("djobea:outbox-dispatch", "messaging.tasks.outbox_dispatch_due_task", 1) in SCHEDULES
    stuck = enqueue(key="stuck", body="stuck", phone=PHONE)
    claim_due(limit=1)
    Notification.objects.filter(pk=stuck.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    fresh = enqueue(key="fresh", body="fresh", phone=PHONE)
    assert outbox_dispatch_due_task() == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert sorted(m["body"] for m in fake_twilio.sent_to(WA)) == ["fresh", "stuck"]
    assert fresh.pk != stuck.pk


def test_a_pass_out_of_time_hands_back_the_claims_it_did_not_start(fake_twilio, in_window):
    from messaging.tasks import dispatch_time_budget

    assert 5 <= dispatch_time_budget() < 60  # the scheduled pass ends before django-q's task timeout
    fake_twilio.latency = 0.3  # a slow provider
    for i in range(8):
        enqueue(key=f"budget-{i}", body=f"budget {i}", phone=PHONE)
    processed = dispatch_due(batch_size=8, time_budget=0.4)
    assert 1 <= processed < 8
    waiting = Notification.objects.exclude(status=NotificationStatus.SENT)
    assert waiting.count() == 8 - processed
    assert set(waiting.values_list("status", "claimed_until")) == {(NotificationStatus.PENDING, None)}
    fake_twilio.latency = 0
    dispatch_due()
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 8
    assert fake_twilio.count(WA) == 8 and not DeliveryAttempt.objects.filter(error_code="lease_expired").exists()


def test_after_the_open_wait_a_probe_goes_through_and_successes_close_the_breaker(fake_twilio, in_window):
    from reliability.breakers import breaker_config, clear_cache
    from reliability.models import CircuitBreaker

    breaker("whatsapp").trip("test")
    CircuitBreaker.objects.filter(name="whatsapp").update(opened_at=timezone.now() - timedelta(hours=1))
    clear_cache()
    probes = breaker_config("whatsapp")["half_open_permits"]
    for i in range(probes):
        enqueue(key=f"probe-{i}", body=f"probe {i}", phone=PHONE, channels=["whatsapp", "sms"])
        dispatch_due()
    assert fake_twilio.count(WA) == probes
    assert breaker("whatsapp").state() == "closed"


class ExplodingChannel:
    """A backend with a bug (not a ChannelError): configured through settings, nothing patched."""

    def __init__(self, kind):
        self.kind = kind

    def can_lookup(self):
        return False

    def send(self, message):
        raise RuntimeError("bug in a channel backend")


def test_a_crash_on_one_row_is_recorded_and_the_batch_goes_on(settings, in_window):
    from reliability.models import ErrorEvent

    settings.MESSAGING_BACKEND = "console"
    set_channel(settings, "whatsapp", backends={"console": "tests.messaging.test_dispatcher.ExplodingChannel"})
    broken = enqueue(key="crash", body="x", phone=PHONE, channels=["whatsapp", "sms"])
    fine = enqueue(key="fine", body="y", phone=PHONE, channels=["sms"])
    dispatch_due()
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert fine.status == NotificationStatus.SENT
    assert (broken.status, broken.attempts, broken.last_error_code) == (NotificationStatus.UNKNOWN, 1, "internal_error")
    assert ErrorEvent.objects.filter(support_code=broken.support_code, category="messaging.dispatcher").exists()


def test_at_degradation_level_severe_whatsapp_is_off_and_sms_goes_first(fake_twilio, in_window, staff_user):
    from reliability.degradation import degradation_set

    degradation_set(level="severe", reason="WhatsApp incident", user=staff_user)
    n = enqueue(key="severe", body="x", phone=PHONE, priority=90)
    dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.channel) == (NotificationStatus.SENT, "sms")
    assert fake_twilio.count(WA) == 0
    skipped = DeliveryAttempt.objects.get(notification=n, channel="whatsapp")
    assert (skipped.outcome, skipped.error_code) == (AttemptOutcome.SKIPPED, "degraded")


def test_at_degradation_level_moderate_low_priority_waits_and_offers_still_go(fake_twilio, in_window, staff_user):
    from messaging.models import Priority
    from reliability.degradation import degradation_clear, degradation_set

    degradation_set(level="moderate", reason="outbox lag", user=staff_user)
    countdown = enqueue(key="countdown", body="10 min", phone=PHONE, priority=Priority.LOW)
    offer = enqueue(key="offer", body="Mission", phone=PHONE, priority=Priority.HIGH)
    dispatch_due()
    countdown.refresh_from_db()
    offer.refresh_from_db()
    assert (offer.status, offer.channel) == (NotificationStatus.SENT, "whatsapp")
    assert (countdown.status, countdown.channel) == (NotificationStatus.PENDING, "whatsapp")
    assert countdown.next_attempt_at > timezone.now()
    assert countdown.last_error_code == "degraded"  # why it waits, for staff and for the status (not a failure)
    degradation_clear(user=staff_user)
    make_due()
    dispatch_due()
    countdown.refresh_from_db()
    assert countdown.status == NotificationStatus.SENT and fake_twilio.count(WA) == 2


def test_a_group_of_sends_records_only_those_made_under_a_lease_still_held(in_window):
    """The grouped write (the outbox worker's) keeps the lease rule per send, not per row: a send made under a
    lease since renewed for another send of the same row changes nothing; its attempt row is still written."""
    n = enqueue(key="group", body="Bonjour", phone=PHONE)
    [claim] = claim_due(limit=1)
    renewed = claim.lease + timedelta(seconds=30)
    Notification.objects.filter(pk=n.pk).update(claimed_until=renewed)
    guard = {"pk": n.pk, "status": NotificationStatus.SENDING, "claimed_until": claim.lease}
    stale = Sent(claim.notification, Attempt("whatsapp", timezone.now(), 5, "SMstale"), guard)
    fresh = Sent(claim.notification, Attempt("whatsapp", timezone.now(), 5, "SMfresh"),
                 {**guard, "claimed_until": renewed})
    assert sends_record([stale, fresh]) == 1
    n.refresh_from_db()
    assert (n.status, n.provider_sid, n.attempts, n.claimed_until) == (NotificationStatus.SENT, "SMfresh", 1, None)
    assert set(DeliveryAttempt.objects.filter(notification=n).values_list("provider_sid", flat=True)) == {
        "SMstale", "SMfresh"}
    assert sends_record([]) == 0
