"""A client reads a support code aloud; staff, on a phone-sized Chromium, open the record and the conversation."""

import pytest

from reliability.models import DeadLetter
from tests.browser import PHONE, chromium_page, horizontal_overflow, log_in, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


def test_a_dictated_support_code_opens_the_failure_then_the_request_timeline_at_390_px(
    live_server, transactional_db, django_user_model, story
):
    django_user_model.objects.create_superuser(username="ops", email="ops@djobea.test", password="ops-pass-123")
    code = story["dead"].support_code  # e.g. DJB-YHPVD6, read aloud as "djb yhpvd6"
    dictated = "djb " + code.removeprefix("DJB-").lower()
    with chromium_page(viewport=PHONE) as page:
        log_in(page, live_server.url, username="ops", password="ops-pass-123", next_url="/admin/monitoring/")
        page.fill("#support-code-q", dictated)
        page.press("#support-code-q", "Enter")
        page.wait_for_selector("text=" + code)
        assert "/admin/reliability/errorevent/" in page.url  # the record itself, not a list
        page.click(f"a:has-text('{story['request'].reference}')")  # first click: the request
        page.wait_for_selector("#timeline")
        timeline = page.inner_text("#timeline")
        assert "Fuite d'eau à Bonamoussadi" in timeline and code in timeline and "Jean Plombier" in timeline
        assert horizontal_overflow(page) == 0
        page.click("#timeline li.tl-failed a:has-text('lettre morte')")  # second click: its dead letter
        page.click("button[name=redrive]")
        page.wait_for_selector("ul.messagelist")
    letter = DeadLetter.objects.get(kind="notification", object_id=str(story["dead"].pk))
    assert letter.redriven_at is not None
