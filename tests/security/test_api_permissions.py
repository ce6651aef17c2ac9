"""/api/monitoring/ checks permissions, not only staff status, and answers hostile input with 400s."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from messaging.models import NotificationStatus
from tests.reliability.monitoring_support import make_dead_letter, make_notification

pytestmark = pytest.mark.django_db
RETRY = "/api/monitoring/retry-failed-messages/"


def api_as(django_user_model, *perms):
    user = django_user_model.objects.create_user(username="ops", password="pw-123456789", is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = APIClient()
    client.force_authenticate(django_user_model.objects.get(pk=user.pk))
    return client


def test_staff_without_permissions_reads_nothing_and_retries_nothing(django_user_model):
    dead = make_notification(status="dead", last_error_code="63007")
    api = api_as(django_user_model)

    assert api.get("/api/monitoring/dashboard/").status_code == 403
    assert api.post(RETRY, {"dry_run": False}, format="json").status_code == 403
    dead.refresh_from_db()
    assert dead.status == NotificationStatus.DEAD


def test_the_dashboard_permission_reads_and_dry_runs_but_does_not_requeue(django_user_model):
    dead = make_notification(status="dead", last_error_code="63007")
    letter = make_dead_letter(kind="notification", object_id=str(dead.pk))
    api = api_as(django_user_model, "reliability.view_alert")

    assert api.get("/api/monitoring/dashboard/").status_code == 200
    assert api.post(RETRY, {"dry_run": True}, format="json").json() == {"dry_run": True, "count": 1}
    assert api.post(RETRY, {"dry_run": False}, format="json").status_code == 403
    dead.refresh_from_db()
    letter.refresh_from_db()
    assert (dead.status, letter.redriven_at) == (NotificationStatus.DEAD, None)


def test_retry_and_redrive_permissions_requeue(django_user_model):
    dead = make_notification(status="dead", last_error_code="63007")
    api = api_as(django_user_model, "reliability.view_alert", "messaging.retry_notification",
                 "reliability.redrive_deadletter")

    assert api.post(RETRY, {"dry_run": False}, format="json").json()["requeued"] == 1
    dead.refresh_from_db()
    assert dead.status == NotificationStatus.PENDING


def test_deeply_nested_json_is_a_400(staff_user):
    api = APIClient()
    api.force_authenticate(staff_user)
    body = "[" * 100_000 + "]" * 100_000

    response = api.post(RETRY, body, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1500-01-01T00:00:00Z",
                                   "2026-13-45T99:99:99Z"])
def test_out_of_range_dates_are_a_400(staff_user, since):
    api = APIClient()
    api.force_authenticate(staff_user)

    response = api.post(RETRY, {"since": since, "dry_run": True}, format="json")

    assert response.status_code == 400
    assert "since" in response.json()
