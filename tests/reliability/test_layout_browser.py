"""In headless Chromium: the dashboard refreshes without losing what is typed; the pages staff use fit a phone."""

import pytest

from reliability.models import DeadLetter
from tests.browser import DESKTOP, PHONE, chromium_page, horizontal_overflow, log_in, needs_chromium
from tests.reliability.monitoring_support import make_dead_letter, open_breaker

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def ops(live_server, transactional_db, django_user_model):
    django_user_model.objects.create_superuser(username="ops", email="ops@djobea.test", password="ops-pass-123")
    return live_server.url


def test_the_dashboard_refreshes_its_figures_and_keeps_what_is_being_typed(ops, settings):
    settings.MONITORING_REFRESH_SECONDS = 1
    with chromium_page(locale="en-US", viewport=DESKTOP) as page:
        log_in(page, ops, username="ops", password="ops-pass-123", next_url="/admin/monitoring/")
        page.wait_for_selector("#monitoring-dashboard")
        first = page.inner_text("#generated-at")
        page.fill("#support-code-q", "djb yhp")  # a code being dictated
        page.fill("#degradation-reason", "Twilio incident")
        page.focus("#support-code-q")
        make_dead_letter()  # something happens meanwhile
        page.wait_for_function(f"document.getElementById('generated-at').innerText !== {first!r}", timeout=8000)
        page.wait_for_function("document.querySelector('#quick-stats').innerText.includes('1')", timeout=8000)
        assert DeadLetter.objects.count() == 1
        assert page.input_value("#support-code-q") == "djb yhp"
        assert page.input_value("#degradation-reason") == "Twilio incident"
        assert page.evaluate("document.activeElement.id") == "support-code-q"


@pytest.mark.parametrize("path", ["/admin/", "/admin/monitoring/", "/admin/simulator/"])
def test_the_pages_fit_a_390_px_phone(ops, path):
    open_breaker("whatsapp")
    from reliability.monitoring.rules import evaluate_alerts

    evaluate_alerts()  # an alert table with long texts
    with chromium_page(viewport=PHONE) as page:
        log_in(page, ops, username="ops", password="ops-pass-123", next_url=path)
        page.wait_for_load_state("networkidle")
        assert horizontal_overflow(page) == 0, path
        if path == "/admin/":  # the operations block reads as words, not one letter per line
            height = page.evaluate("document.querySelector('#djobea-operations th a').getBoundingClientRect().height")
            assert height < 60
