"""/api/monitoring/: staff only, figures equal to the rows, the retry endpoint, the OpenAPI schema."""

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from messaging.models import Notification
from reliability.models import ErrorEvent
from tests.reliability.monitoring_support import make_attempts, make_dead_letter, make_notification, open_breaker

pytestmark = pytest.mark.django_db
BASE = "/api/monitoring/"
GETS = ["health/", "errors/", "proactive-updates/", "dashboard/", "communication-status/"]


@pytest.fixture
def api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.mark.parametrize("path", GETS + ["retry-failed-messages/"])
def test_anonymous_and_non_staff_are_refused(path, django_user_model):
    method = "post" if path.startswith("retry") else "get"
    anonymous = getattr(APIClient(), method)(BASE + path)
    assert anonymous.status_code in (401, 403)
    user = django_user_model.objects.create_user(username="client", password="pw-123456789")
    client = APIClient()
    client.force_login(user)
    assert getattr(client, method)(BASE + path).status_code == 403


@pytest.mark.parametrize("path", GETS)
def test_staff_with_a_token_gets_200(path, staff_user):
    token = Token.objects.create(user=staff_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(BASE + path).status_code == 200


def test_session_login_works(client, staff_user):
    client.force_login(staff_user)
    assert client.get(BASE + "dashboard/").status_code == 200


def test_dashboard_figures_equal_the_rows(api):
    make_attempts(45, outcome="delivered")
    make_attempts(5, outcome="failed", code="63038", category="quota")
    make_attempts(4, outcome="failed", code="63038", category="quota", ago=timedelta(hours=5))
    data = api.get(BASE + "dashboard/").json()
    assert data["status"]["status"] == "healthy"
    assert (data["status"]["delivered"], data["status"]["failed"]) == (45, 5)
    assert float(data["status"]["success_rate"]) == 90.0
    assert data["quick_stats"]["failed_24h"] == 9
    assert data["error_patterns"][0]["error_code"] == "63038" and data["error_patterns"][0]["count"] == 9
    assert [r["key"] for r in data["recommendations"]][:2] == ["heartbeat", "63038"]


def test_errors_endpoint(api):
    make_attempts(6, outcome="failed", code="timeout", category="transient")
    make_attempts(2, outcome="undelivered", code="30005", category="recipient")
    make_attempts(1, outcome="failed", code="timeout", ago=timedelta(hours=30))
    ErrorEvent.objects.create(support_code="DJB-ERR234", category="ai", message="timeout")
    data = api.get(BASE + "errors/?hours=24").json()
    assert data["by_code"] == {"timeout": 6, "30005": 2}
    assert data["by_category"] == {"transient": 6, "recipient": 2}
    assert [e["support_code"] for e in data["recent_error_events"]] == ["DJB-ERR234"]
    assert api.get(BASE + "errors/?hours=48").json()["by_code"]["timeout"] == 7


def test_proactive_updates_endpoint(api):
    make_notification(subject="request:1", status="delivered")
    make_notification(subject="request:2", status="dead", last_error_code="63003", support_code="DJB-UPD234")
    make_notification(subject="offer:3", status="delivered")
    data = api.get(BASE + "proactive-updates/").json()
    assert data["total"] == 2 and data["by_status"]["delivered"] == 1 and data["by_status"]["dead"] == 1
    assert {row["subject"] for row in data["latest"]} == {"request:1", "request:2"}


def test_communication_status_endpoint(api):
    open_breaker("whatsapp")
    make_attempts(3, outcome="failed", channel="whatsapp", code="63007")
    make_attempts(7, outcome="sent", channel="sms")
    make_attempts(2, outcome="failed", channel="sms", code="timeout", ago=timedelta(hours=2))
    data = api.get(BASE + "communication-status/").json()
    assert data["channels"]["whatsapp"]["attempts"]["failed"] == 3
    assert data["channels"]["whatsapp"]["breaker_open"] is True
    assert data["channels"]["sms"]["attempts"]["sent"] == 7 and data["channels"]["sms"]["attempts"]["failed"] == 0
    assert float(data["channels"]["sms"]["attempt_success_rate"]) == 100.0
    assert data["delivery"]["total"] == 10


def test_health_endpoint_reports_the_checks(api):
    open_breaker("sms")
    data = api.get(BASE + "health/").json()
    assert data["status"] == "error"  # no heartbeat in this test
    assert data["checks"]["Breakers"]["status"] == "warning"
    assert data["checks"]["TaskClusterHeartbeat"]["status"] == "error"


def test_retry_failed_messages_dry_run_then_requeue(api):
    old = timezone.now() - timedelta(days=3)
    dead = [make_notification(status="dead", last_error_code="63007", channel="sms") for _ in range(3)]
    letter = make_dead_letter(kind="notification", object_id=str(dead[0].pk))
    make_notification(status="dead", last_error_code="30005", channel="sms")
    make_notification(status="delivered", last_error_code="63007")
    stale = make_notification(status="dead", last_error_code="63007", channel="sms")
    Notification.objects.filter(pk=stale.pk).update(updated_at=old)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    dry = api.post(BASE + "retry-failed-messages/", {"code": "63007", "since": since, "dry_run": True}, format="json")
    assert dry.json() == {"dry_run": True, "count": 3}
    assert Notification.objects.filter(status="dead").count() == 5
    done = api.post(BASE + "retry-failed-messages/", {"code": "63007", "channel": "sms", "since": since},
                    format="json").json()
    assert done == {"dry_run": False, "count": 3, "requeued": 3}
    requeued = Notification.objects.filter(pk__in=[n.pk for n in dead])
    assert set(requeued.values_list("status", "attempts", "channel")) == {("pending", 0, "whatsapp")}
    letter.refresh_from_db()
    assert letter.redriven_at is not None  # the dead letter no longer counts as open


def test_retry_rejects_a_bad_channel(api):
    assert api.post(BASE + "retry-failed-messages/", {"channel": "pigeon"}, format="json").status_code == 400


def test_openapi_schema_is_for_staff_only(client):
    assert client.get("/api/schema/").status_code in (401, 403)


def test_openapi_schema_lists_the_monitoring_endpoints(staff_client):
    response = staff_client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = set(schema["paths"])
    for path in GETS + ["retry-failed-messages/"]:
        assert f"/api/monitoring/{path}" in paths
    assert "post" in schema["paths"]["/api/monitoring/retry-failed-messages/"]
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)  # raises on an invalid OpenAPI document


def test_the_api_is_throttled(api):
    from django.core.cache import cache
    from rest_framework.settings import api_settings

    limit = int(api_settings.DEFAULT_THROTTLE_RATES["user"].split("/")[0])
    cache.clear()
    try:
        codes = [api.get(BASE + "proactive-updates/").status_code for _ in range(limit + 1)]
    finally:
        cache.clear()  # the throttle's history lives in the cache; later tests start afresh
    assert codes[:limit] == [200] * limit and codes[-1] == 429
