"""The admin monitoring dashboard: access, status classes, figures, actions, links."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from marketplace.models import RequestStatus
from reliability.models import Alert, AlertStatus, CircuitBreaker, DegradationState
from reliability.monitoring.status import status_class
from tests.factories import make_request
from tests.reliability.monitoring_support import make_attempts, make_dead_letter, make_notification, open_breaker

pytestmark = pytest.mark.django_db
URL = "/admin/monitoring/"


@pytest.fixture
def plain_staff(django_user_model, client):
    user = django_user_model.objects.create_user(username="clerk", password="pw-123456789", is_staff=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("success", "total", "expected"),
    [(899, 1000, "degraded"), (900, 1000, "healthy"), (699, 1000, "critical"), (700, 1000, "degraded"),
     (0, 9, "idle"), (0, 0, "idle"), (10, 10, "healthy")],
)
def test_status_class_edges(success, total, expected):
    assert status_class(success, total, min_sample=10) == expected


@pytest.mark.parametrize(("delivered", "failed", "label"), [
    (899, 101, "Degraded"), (900, 100, "Healthy"), (699, 301, "Critical"),
])
def test_dashboard_status_at_the_edges_from_rows(staff_client, settings, delivered, failed, label):
    settings.LANGUAGE_CODE = "en"
    make_attempts(delivered, outcome="delivered")
    make_attempts(failed, outcome="failed", code="30008", category="transient")
    make_attempts(50, outcome="failed", code="30008", ago=timedelta(hours=2))  # outside the hour: ignored
    response = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["status"]["total"] == delivered + failed
    assert response.context["status"]["label"] == label
    assert f'id="delivery-status">{label}<' in response.content.decode()


def test_idle_under_the_minimum_sample_never_critical(staff_client, settings):
    settings.MONITORING_MIN_SAMPLE = 10
    make_attempts(9, outcome="failed", code="63007")
    response = staff_client.get(URL)
    assert response.context["status"]["status"] == "idle"


def test_acceptance_is_not_success_when_receipts_exist(staff_client, settings):
    settings.MESSAGING_BACKEND = "twilio"
    make_attempts(30, outcome="sent")
    make_attempts(20, outcome="failed", code="63007")
    status = staff_client.get(URL).context["status"]
    assert (status["delivered"], status["failed"], status["status"]) == (0, 20, "critical")


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_view_permission_is_refused(plain_staff, client):
    assert client.get(URL).status_code == 403


def test_staff_with_the_view_permission_sees_it_without_action_buttons(plain_staff, client):
    plain_staff.user_permissions.add(Permission.objects.get(codename="view_alert"))
    open_breaker("whatsapp")
    response = client.get(URL)
    assert response.status_code == 200
    assert "breakers/whatsapp/reset/" not in response.content.decode()
    assert client.post("/admin/monitoring/breakers/whatsapp/reset/").status_code == 403
    assert CircuitBreaker.objects.get(name="whatsapp").state == "open"


def test_figures_match_the_rows(staff_client):
    make_attempts(12, outcome="sent", ago=timedelta(hours=3))
    make_attempts(40, outcome="delivered")
    make_attempts(7, outcome="failed", code="63007", category="channel_config")
    make_attempts(3, outcome="undelivered", code="30003", category="recipient")
    make_attempts(5, outcome="failed", code="63007", ago=timedelta(hours=30))  # older than a day
    make_dead_letter()
    make_request(status=RequestStatus.ESCALATED)
    make_request(status=RequestStatus.COMPLETED)
    data = staff_client.get(URL).context
    stats = data["quick_stats"]
    assert (stats["sent_24h"], stats["delivered_24h"], stats["failed_24h"]) == (12, 40 + 12, 10)
    assert stats["dead_letters_open"] == 1 and stats["active_requests"] == 1
    patterns = {(p["category"], p["error_code"]): p["count"] for p in data["error_patterns"]}
    assert patterns == {("channel_config", "63007"): 7, ("recipient", "30003"): 3}
    assert data["attention"]["escalated_count"] == 1
    assert sum(bucket["total"] for bucket in data["chart"]) == 12 + 40 + 10


def test_63007_failures_give_critical_and_the_sender_recommendation(staff_client, settings):
    settings.LANGUAGE_CODE = "en"
    make_attempts(20, outcome="failed", code="63007", category="channel_config")
    response = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    keys = [r["key"] for r in response.context["recommendations"]]
    assert keys[0] == "heartbeat"  # no task cluster in this test: the most urgent advice comes first
    assert "63007" in keys
    assert "WhatsApp sender not set up in Twilio" in response.content.decode()
    assert "<svg" in response.content.decode()


def test_every_figure_links_to_a_filtered_admin_list(staff_client):
    dead = make_notification(status="dead", support_code="DJB-LNK234", last_error_code="63007")
    make_attempts(3, outcome="failed", code="63007", category="channel_config", notification=dead)
    context = staff_client.get(URL).context
    pattern = context["error_patterns"][0]
    links = {**context["quick_stats"]["links"], "status": context["status"]["link"], "pattern": pattern["link"],
             "alerts": context["alerts_link"], "dead_letters": context["dead_letters"]["link"], **context["links"]}
    support = staff_client.get(pattern["support_link"])
    # Issue 12: the example support code opens the record carrying it, not a filtered list.
    assert support.status_code == 302
    assert support["Location"] == reverse("admin:messaging_notification_change", args=[dead.pk])
    assert links["failed_24h"].startswith("/admin/messaging/deliveryattempt/?outcome__in=failed")
    assert links["dead_letters_open"].startswith("/admin/reliability/deadletter/?")
    links = {name: url for name, url in links.items() if name != "quotas" or url}  # no quota admin (yet)
    assert all(links.values())
    for name, url in links.items():
        response = staff_client.get(url)
        assert response.status_code == 200 and "?e=1" not in response.request["QUERY_STRING"], name


def test_breaker_reset_force_and_disable(staff_client):
    open_breaker("whatsapp")
    assert staff_client.post("/admin/monitoring/breakers/whatsapp/reset/").status_code == 302
    assert CircuitBreaker.objects.get(name="whatsapp").state == "closed"
    staff_client.post("/admin/monitoring/breakers/sms/force/")
    assert CircuitBreaker.objects.get(name="sms").forced == "forced_open"
    staff_client.post("/admin/monitoring/breakers/sms/disable/")
    assert CircuitBreaker.objects.get(name="sms").forced == "disabled"
    assert staff_client.post("/admin/monitoring/breakers/nonsense/reset/").status_code == 404
    assert not CircuitBreaker.objects.filter(name="nonsense").exists()


def test_degradation_set_and_clear_from_the_dashboard(staff_client, staff_user):
    staff_client.post("/admin/monitoring/degradation/set/", {"level": "severe", "reason": "Twilio incident",
                                                             "minutes": "30"})
    state = DegradationState.objects.get()
    assert (state.override_level, state.override_reason, state.override_by) == ("severe", "Twilio incident",
                                                                                staff_user)
    assert staff_client.get(URL).context["degradation"]["level"] == "severe"
    staff_client.post("/admin/monitoring/degradation/clear/")
    assert DegradationState.objects.get().override_level == ""


def test_alert_acknowledge_and_resolve(staff_client):
    alert = Alert.objects.create(dedup_key="breaker:sms", severity="critical", title="sms open")
    staff_client.post(f"/admin/monitoring/alerts/{alert.pk}/acknowledge/")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    staff_client.post(f"/admin/monitoring/alerts/{alert.pk}/resolve/")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_at is not None


def test_support_code_search_opens_the_record(staff_client):
    # Issue 12 changed this: the box opens the record itself, no longer a filtered list.
    letter = make_dead_letter(support_code="DJB-ABC234")
    response = staff_client.get("/admin/monitoring/support-code/", {"q": "djb-abc234"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reliability_deadletter_change", args=[letter.pk])
    missing = staff_client.get("/admin/monitoring/support-code/", {"q": "DJB-ZZZZZZ"})
    assert missing["Location"] == URL


@pytest.mark.parametrize("typed", ["djb yhpvd6", "DJBYHPVD6", "yhpvd6", " YHP-VD6 ", "DJB-YHPVD6", "djb.yhpvd6"])
def test_a_dictated_support_code_opens_the_error_event_and_the_admin_search_finds_it(staff_client, typed):
    from reliability.errors import record_error

    event = record_error(category="messaging.recipient", message="sms send failed with 21211",
                         support_code="DJB-YHPVD6")
    make_dead_letter(support_code="DJB-YHPVD6")
    response = staff_client.get("/admin/monitoring/support-code/", {"q": typed})
    assert response["Location"] == reverse("admin:reliability_errorevent_change", args=[event.pk])
    listed = staff_client.get(reverse("admin:reliability_errorevent_changelist"), {"q": typed})
    assert [row.pk for row in listed.context["cl"].result_list] == [event.pk]


def test_a_support_code_on_a_notification_only_opens_the_notification(staff_client):
    notification = make_notification(support_code="DJB-NQ2345")
    response = staff_client.get("/admin/monitoring/support-code/", {"q": "nq2345"})
    assert response["Location"] == reverse("admin:messaging_notification_change", args=[notification.pk])


def test_admin_index_links_to_the_dashboard_and_the_simulator(staff_client):
    content = staff_client.get("/admin/").content.decode()
    assert 'href="/admin/monitoring/"' in content and 'href="/admin/simulator/"' in content


def test_dashboard_speaks_french(staff_client):
    response = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "fr"


def test_dead_messages_count_as_final_failures(staff_client):
    make_attempts(10, outcome="delivered")
    for _ in range(5):
        make_notification(status="dead")
    status = staff_client.get(URL).context["status"]
    assert (status["delivered"], status["failed"], status["status"]) == (10, 5, "critical")


def _dashboard_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_rows(staff_client):
    from reliability.alerts import raise_alert

    make_attempts(1, outcome="failed", code="c0", category="transient")
    raise_alert(key="k0", severity="warning", title="t0")
    make_request(status=RequestStatus.ESCALATED)
    _dashboard_queries(staff_client)  # warm-up: the first visit creates the degradation row
    few = _dashboard_queries(staff_client)
    for n in range(1, 12):
        make_attempts(2, outcome="failed", code=f"c{n}", category="transient")
        raise_alert(key=f"k{n}", severity="warning", title=f"t{n}")
        make_request(status=RequestStatus.ESCALATED)
    assert _dashboard_queries(staff_client) == few


def test_status_counts_messages_a_fallback_carried_as_answered(staff_client, settings):
    """WhatsApp down but SMS answers every client: Healthy; the open breaker is shown beside it."""
    settings.LANGUAGE_CODE = "en"
    for _ in range(10):
        message = make_notification(channel="sms", status="sent")
        make_attempts(1, outcome="skipped", channel="whatsapp", code="breaker_open", notification=message)
        make_attempts(1, outcome="sent", channel="sms", notification=message)  # console: acceptance is final
    make_attempts(30, outcome="skipped", channel="whatsapp", code="window_closed", category="window")
    open_breaker("whatsapp")
    response = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    status = response.context["status"]
    assert (status["delivered"], status["failed"], status["status"]) == (10, 0, "healthy")
    assert [b["is_open"] for b in response.context["breakers"] if b["name"] == "whatsapp"] == [True]


def test_messages_waiting_because_every_channel_is_down_count_as_failures(staff_client):
    make_attempts(10, outcome="skipped", channel="sms", code="breaker_open")  # each message deferred, pending
    make_attempts(10, outcome="sent", channel="sms")
    status = staff_client.get(URL).context["status"]
    assert (status["delivered"], status["failed"], status["status"]) == (10, 10, "critical")


def test_a_message_counts_once_however_many_sends_or_receipts_it_had(staff_client, settings):
    settings.MESSAGING_BACKEND = "twilio"
    for _ in range(10):
        message = make_notification(status="read")
        make_attempts(1, outcome="sent", notification=message)
        make_attempts(2, outcome="delivered", notification=message)  # the "delivered" and "read" callbacks
    retried = make_notification(status="failed")
    make_attempts(3, outcome="failed", code="30008", notification=retried)
    status = staff_client.get(URL).context["status"]
    assert (status["delivered"], status["failed"], status["total"]) == (10, 1, 11)


def test_messages_held_back_by_the_degradation_level_do_not_keep_the_status_degraded(staff_client):
    # Issue 10 (chaos run): after a storm, low-priority messages held at "moderate" counted their storm
    # failures as still waiting, which kept the status "degraded" and so the level that held them.
    for _ in range(3):
        held = make_notification(status="pending", last_error_code="degraded")
        make_attempts(1, outcome="failed", code="20500", notification=held)
        make_attempts(1, outcome="skipped", code="degraded", notification=held)
    make_attempts(20, outcome="sent", channel="sms")
    status = staff_client.get(URL).context["status"]
    assert (status["delivered"], status["failed"], status["status"]) == (20, 0, "healthy")
