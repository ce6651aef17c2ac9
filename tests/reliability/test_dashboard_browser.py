"""A staff member, in headless Chromium, sees 63007 failures on the dashboard and resets the breaker."""

import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from messaging.models import Conversation
from messaging.outbox import enqueue
from reliability.models import CircuitBreaker
from reliability.monitoring.rules import evaluate_alerts

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs /usr/bin/chromium (apt-get install -y chromium)"),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 1800})
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def _inject_63007_failures(settings, run_tasks, count=6):
    """The console channel fails every WhatsApp and SMS send with 63007; the real dispatcher runs.

    63007 opens each channel's breaker at once, so the first message fails on WhatsApp and on SMS and
    is dead-lettered; the others wait for the breakers. A small minimum sample makes those three final
    outcomes count.
    """
    settings.MESSAGING_BACKEND = "console"
    settings.CONSOLE_FAIL_RATE = 1.0
    settings.CONSOLE_FAIL_CODE = "63007"
    settings.CONSOLE_FAIL_CHANNELS = ["whatsapp", "sms"]
    settings.MONITORING_MIN_SAMPLE = 3
    for n in range(count):
        phone = f"+2376900000{n:02d}"
        Conversation.objects.create(phone=phone, last_inbound_at=timezone.now())  # inside the WhatsApp window
        enqueue(key=f"browser-test-{n}", body="Votre demande est enregistrée.", phone=phone)
    run_tasks()
    evaluate_alerts()  # what the every-minute schedule does


def test_dashboard_shows_critical_and_the_63007_advice_then_resets_the_breaker(
    live_server, transactional_db, django_user_model, settings, run_tasks, browser_page
):
    django_user_model.objects.create_superuser(username="ops", email="ops@djobea.test", password="ops-pass-123")
    _inject_63007_failures(settings, run_tasks)
    assert CircuitBreaker.objects.get(name="whatsapp").state == "open"
    page = browser_page

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "ops-pass-123")
    page.click("input[type=submit]")
    page.click("text=Monitoring dashboard")
    page.wait_for_selector("#monitoring-dashboard")

    assert page.inner_text("#delivery-status") == "Critical"
    # Alerts are stored in the site language (French by default), so look them up by their key.
    assert page.locator('#alerts tr[data-key="breaker:whatsapp"]').count() == 1
    assert page.locator('#alerts tr[data-key="status:critical"]').count() == 1
    assert "WhatsApp sender not set up in Twilio (63007)" in page.inner_text("#recommendations")
    assert "63007" in page.inner_text("#error-patterns")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monitoring-dashboard-critical.png"), full_page=True)

    page.click("button[name=reset-whatsapp]")
    page.wait_for_selector("#monitoring-dashboard")
    assert "Breaker “whatsapp”: reset done." in page.inner_text("ul.messagelist")
    assert page.inner_text("#breaker-whatsapp td.mon-closed") == "closed"
    assert CircuitBreaker.objects.get(name="whatsapp").state == "closed"
    assert page.locator('#alerts tr[data-key="breaker:whatsapp"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "monitoring-dashboard-after-reset.png"), full_page=True)
