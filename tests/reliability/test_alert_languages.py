"""Alerts read in their reader's language, whatever language their writer ran in (issue 12).

The task cluster raises alerts with LANGUAGE_CODE (French) active; an English staff member reads them in
English in the admin, on the dashboard and through the API, and the other way round.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from marketplace.models import RequestStatus, Urgency
from marketplace.services.lifecycle import request_escalate_overdue
from reliability.alerts import raise_alert
from reliability.degradation import degradation_refresh
from reliability.health import HEARTBEAT_ALERT_KEY, heartbeat_alert_update
from reliability.models import Alert
from reliability.monitoring.rules import rule_breakers
from tests.factories import make_category, make_request, make_zone

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/monitoring/"
API = "/api/monitoring/dashboard/"


def _page(staff_client, url: str, language: str) -> str:
    response = staff_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _api_alert(staff_client, key: str, language: str) -> dict:
    alerts = staff_client.get(API, HTTP_ACCEPT_LANGUAGE=language).json()["alerts"]
    return next(alert for alert in alerts if alert["key"] == key)


def test_an_alert_raised_in_french_reads_in_english_in_the_admin_list_and_page(staff_client):
    with translation.override("fr"):  # as the task cluster runs
        heartbeat_alert_update(ok=False)
    alert = Alert.objects.get(dedup_key=HEARTBEAT_ALERT_KEY)
    changelist = _page(staff_client, reverse("admin:reliability_alert_changelist"), "en")
    assert "Task cluster heartbeat missing" in changelist and "Signal de vie" not in changelist
    page = _page(staff_client, reverse("admin:reliability_alert_change", args=[alert.pk]), "en")
    assert "Task cluster heartbeat missing" in page and "No heartbeat for over 180 s" in page
    assert "Aucun signal de vie" not in page
    page = _page(staff_client, reverse("admin:reliability_alert_change", args=[alert.pk]), "fr")
    assert "Signal de vie du gestionnaire de tâches absent" in page and "Aucun signal de vie" in page


def test_an_alert_raised_in_english_reads_in_french_on_the_dashboard_and_in_the_api(staff_client):
    with translation.override("en"):
        rule_breakers(["whatsapp"], known=["whatsapp", "sms"])
    french = _page(staff_client, DASHBOARD, "fr")
    assert "Le disjoncteur « whatsapp » est ouvert" in french and "SMS transporte les messages" in french
    assert "Circuit breaker" not in french
    english = _page(staff_client, DASHBOARD, "en")
    assert "Circuit breaker “whatsapp” is open" in english and "SMS carries the messages" in english
    assert _api_alert(staff_client, "breaker:whatsapp", "fr")["title"] == "Le disjoncteur « whatsapp » est ouvert"
    assert _api_alert(staff_client, "breaker:whatsapp", "en")["title"] == "Circuit breaker “whatsapp” is open"


def test_the_escalation_alert_names_the_trade_and_the_urgency_in_the_readers_language(staff_client):
    trade = make_category(name_fr="Plomberie", name_en="Plumbing")
    request = make_request(category=trade, zone=make_zone(name="Bonamoussadi"), urgency=Urgency.URGENT,
                           status=RequestStatus.SEARCHING, search_deadline=timezone.now() - timedelta(minutes=1))
    with translation.override("fr"):
        assert request_escalate_overdue(request_id=request.pk)
    key = f"request-escalated:{request.pk}"
    english = _api_alert(staff_client, key, "en")
    assert english["title"] == f"{request.reference} needs staff: search deadline passed"
    assert english["detail"].startswith("Plumbing in Bonamoussadi (Douala), urgency Urgent.")
    french = _api_alert(staff_client, key, "fr")
    assert french["detail"].startswith("Plomberie à Bonamoussadi (Douala), urgence Urgente.")
    assert "délai de recherche dépassé" in french["title"]
    assert "Plumbing in Bonamoussadi" in _page(staff_client, DASHBOARD, "en")


def test_a_renamed_trade_reads_under_its_new_name(staff_client):
    trade = make_category(name_fr="Plomberie", name_en="Plumbing")
    request = make_request(category=trade, status=RequestStatus.SEARCHING,
                           search_deadline=timezone.now() - timedelta(minutes=1))
    request_escalate_overdue(request_id=request.pk)
    trade.name_en = "Plumbing and water"
    trade.save()
    assert _api_alert(staff_client, f"request-escalated:{request.pk}", "en")["detail"].startswith(
        "Plumbing and water in —")


def test_staff_emails_are_rendered_in_language_code_when_sent(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STAFF_ALERT_EMAILS = ["ops@djobea.test"]
    settings.LANGUAGE_CODE = "fr"
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        heartbeat_alert_update(ok=False)  # the web side raises it, in an English staff member's request
    assert "Signal de vie du gestionnaire de tâches absent" in mail.outbox[0].subject
    assert "Aucun signal de vie" in mail.outbox[0].body and "No heartbeat" not in mail.outbox[0].body


def test_an_alert_stored_before_messages_still_reads_as_written(staff_client):
    Alert.objects.create(dedup_key="legacy", severity="warning", title="Ancienne alerte", detail="Écrite en français")
    page = _page(staff_client, DASHBOARD, "en")
    assert "Ancienne alerte" in page and "Écrite en français" in page


def test_a_plain_text_alert_keeps_its_text():
    alert = raise_alert(key="plain", severity="warning", title="WhatsApp down", detail="50 % lost")
    with translation.override("fr"):
        assert (alert.title_display, alert.detail_display) == ("WhatsApp down", "50 % lost")



def test_the_degradation_reason_computed_in_french_reads_in_english(staff_client):
    with translation.override("fr"):
        degradation_refresh(open_breaker_names=["whatsapp"])
    english = _page(staff_client, DASHBOARD, "en")
    assert "WhatsApp is unavailable: SMS carries the traffic." in english
    assert "WhatsApp est indisponible" not in english
    assert "WhatsApp is unavailable" not in _page(staff_client, DASHBOARD, "fr")
