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


def test_the_requests_list_shows_status_match_level_and_provider_on_a_1280_px_screen(ops):
    from marketplace.models import MatchLevel, RequestStatus
    from tests.factories import make_category, make_client, make_provider, make_request, make_zone

    provider = make_provider(name="Jean-Baptiste Nkodo Essomba")
    for n in range(3):
        make_request(client=make_client(name=f"Client au nom assez long {n}"), category=make_category(),
                     zone=make_zone(name=f"Quartier Bonamoussadi {n}"), status=RequestStatus.ASSIGNED,
                     match_level=MatchLevel.BROAD, assigned_provider=provider, description="Fuite " * 40)
    with chromium_page(viewport=DESKTOP) as page:
        log_in(page, ops, username="ops", password="ops-pass-123", next_url="/admin/marketplace/servicerequest/")
        page.wait_for_selector("#result_list")
        for column in ("status_badge", "match_level", "assigned_provider"):
            right = page.evaluate(f"document.querySelector('th.column-{column}').getBoundingClientRect().right")
            assert right <= DESKTOP["width"], column
