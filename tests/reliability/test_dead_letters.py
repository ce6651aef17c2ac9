"""Dead letters: one open per object, a redrive that runs once, an admin guarded by its permission."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.phones import mask_phone
from reliability.dead_letters import dead_letter_create, dead_letter_redrive, register_redrive_handler
from reliability.models import DeadLetter, ErrorEvent
from reliability.support_codes import is_support_code

KIND = "test-parcel"
PHONE = "+237677123412"

pytestmark = pytest.mark.django_db


def requeue_parcel(dead_letter):
    """A real handler's shape: it writes the requeue to the database (here, a row we can count)."""
    ErrorEvent.objects.create(
        support_code=f"RQ-{dead_letter.pk}-{ErrorEvent.objects.count()}", category="requeued",
        message="requeued", subject=f"{dead_letter.kind}:{dead_letter.object_id}",
    )


def broken_handler(dead_letter):
    raise RuntimeError(f"cannot requeue {dead_letter.object_id}")


@pytest.fixture(autouse=True)
def handlers():
    register_redrive_handler(KIND, requeue_parcel)
    register_redrive_handler("test-broken", broken_handler)


def requeued(object_id="7") -> int:
    return ErrorEvent.objects.filter(category="requeued", subject=f"{KIND}:{object_id}").count()


def make_letter(object_id="7", **overrides) -> DeadLetter:
    fields = {"kind": KIND, "object_id": object_id, "reason": "transient", "last_error": "503 from provider"}
    return dead_letter_create(**{**fields, **overrides})


def test_dead_letter_create_records_an_error_event_and_masks_phones():
    letter = make_letter(
        last_error=f"all channels failed for {PHONE}", error_code="30008", channel="sms", attempts=4,
        payload={"to": PHONE},
    )
    assert is_support_code(letter.support_code)
    event = ErrorEvent.objects.get(support_code=letter.support_code)
    assert event.subject == f"{KIND}:7" and event.category == "dead_letter"
    assert "30008" in event.message
    stored = DeadLetter.objects.get()
    assert (stored.reason, stored.error_code, stored.channel, stored.attempts) == ("transient", "30008", "sms", 4)
    assert PHONE not in stored.last_error and mask_phone(PHONE) in stored.last_error
    assert stored.payload == {"to": mask_phone(PHONE)}


def test_a_given_support_code_is_kept_and_no_second_error_event_is_made():
    letter = make_letter(support_code="DJB-7K3Q9X")
    assert letter.support_code == "DJB-7K3Q9X"
    assert not ErrorEvent.objects.exists()


def test_the_same_object_dead_lettered_twice_keeps_one_open_dead_letter():
    first = make_letter(attempts=3)
    second = make_letter(attempts=5, error_code="63016")
    assert first.pk == second.pk
    stored = DeadLetter.objects.get()
    assert stored.attempts == 5 and stored.error_code == "63016"


def test_redrive_twice_runs_the_handler_once(staff_user):
    letter = make_letter()
    assert dead_letter_redrive(ids=[letter.pk], user=staff_user) == 1
    assert dead_letter_redrive(ids=[letter.pk], user=staff_user) == 0
    assert requeued() == 1
    letter.refresh_from_db()
    assert letter.redriven_at is not None and letter.redriven_by == staff_user


def test_a_redriven_object_can_fail_again_into_a_new_dead_letter(staff_user):
    first = make_letter()
    dead_letter_redrive(ids=[first.pk], user=staff_user)
    second = make_letter()
    assert second.pk != first.pk
    assert DeadLetter.objects.filter(redriven_at__isnull=True).get() == second


def test_a_failing_handler_leaves_the_dead_letter_open_and_records_why(staff_user):
    letter = dead_letter_create(kind="test-broken", object_id="9", reason="transient")
    assert dead_letter_redrive(ids=[letter.pk], user=staff_user) == 0
    letter.refresh_from_db()
    assert letter.redriven_at is None
    failure = ErrorEvent.objects.get(category="redrive")
    assert "cannot requeue 9" in failure.message and failure.context["original_support_code"] == letter.support_code


def test_a_kind_without_handler_is_skipped_and_recorded(staff_user):
    letter = dead_letter_create(kind="test-unknown", object_id="1", reason="transient")
    assert dead_letter_redrive(ids=[letter.pk], user=staff_user) == 0
    assert DeadLetter.objects.get().redriven_at is None
    assert ErrorEvent.objects.filter(category="redrive", message__contains="no redrive handler").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redrives_run_the_handler_once(django_user_model):
    user = django_user_model.objects.create_user(username="ops", password="x")
    letters = [make_letter(object_id=str(n)) for n in range(20)]
    ids = [letter.pk for letter in letters]
    results, barrier = [], threading.Barrier(2)

    def redrive():
        barrier.wait(timeout=10)
        try:
            results.append(dead_letter_redrive(ids=ids, user=user))
        finally:
            connection.close()

    threads = [threading.Thread(target=redrive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(results) == 20
    assert all(requeued(str(n)) == 1 for n in range(20))


# --- admin ---------------------------------------------------------------------------------------

CHANGELIST = "admin:reliability_deadletter_changelist"


def test_admin_redrive_action_redrives_once_and_reports(staff_client):
    letters = [make_letter(object_id=str(n)) for n in range(3)]
    payload = {"action": "redrive", "_selected_action": [letter.pk for letter in letters]}
    response = staff_client.post(reverse(CHANGELIST), payload, follow=True)
    assert response.status_code == 200
    assert all(requeued(str(n)) == 1 for n in range(3))
    staff_client.post(reverse(CHANGELIST), payload, follow=True)  # the double click
    assert all(requeued(str(n)) == 1 for n in range(3))


def test_admin_redrive_needs_the_redrive_permission(client, django_user_model):
    user = django_user_model.objects.create_user(username="viewer", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_deadletter"))
    client.force_login(user)
    letter = make_letter()
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200 and 'value="redrive"' not in page.content.decode()
    client.post(reverse(CHANGELIST), {"action": "redrive", "_selected_action": [letter.pk]}, follow=True)
    assert requeued() == 0 and DeadLetter.objects.get().redriven_at is None
    user.user_permissions.add(Permission.objects.get(codename="redrive_deadletter"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    client.post(reverse(CHANGELIST), {"action": "redrive", "_selected_action": [letter.pk]}, follow=True)
    assert requeued() == 1


@pytest.mark.parametrize(("age", "expected"), [("1h", {"recent"}), ("24h", {"recent", "today"}), ("older", {"old"})])
def test_admin_filters_dead_letters_by_age(staff_client, age, expected):
    now = timezone.now()
    for object_id, hours in (("recent", 0.1), ("today", 5), ("old", 30)):
        make_letter(object_id=object_id)
        DeadLetter.objects.filter(object_id=object_id).update(created_at=now - timedelta(hours=hours))
    response = staff_client.get(reverse(CHANGELIST), {"age": age})
    assert response.status_code == 200
    shown = {letter.object_id for letter in response.context["cl"].result_list}
    assert shown == expected


def test_admin_finds_a_dead_letter_by_support_code_and_filters_by_reason_code_channel(staff_client):
    wanted = make_letter(object_id="1", reason="recipient", error_code="21211", channel="sms")
    make_letter(object_id="2", reason="transient", error_code="30008", channel="whatsapp")
    typed = wanted.support_code.replace("DJB-", "djb ").lower()
    cases = [
        ({"q": typed}, {"1"}), ({"reason": "recipient"}, {"1"}), ({"error_code": "21211"}, {"1"}),
        ({"channel": "sms"}, {"1"}), ({"open": "yes"}, {"1", "2"}), ({"open": "no"}, set()),
    ]
    for query, expected in cases:
        response = staff_client.get(reverse(CHANGELIST), query)
        assert response.status_code == 200, query
        assert {letter.object_id for letter in response.context["cl"].result_list} == expected, query
    detail = staff_client.get(reverse("admin:reliability_deadletter_change", args=[wanted.pk]))
    assert detail.status_code == 200 and wanted.support_code in detail.content.decode()
