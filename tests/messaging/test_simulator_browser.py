"""A staff member, in headless Chromium, writes in the simulator and sees the reply appear by itself."""

import shutil

import pytest

from messaging.models import InboundMessage, InboundStatus
from tests.messaging.inbound_support import inbound_settings  # noqa: F401  (fixture)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("inbound_settings"),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs /usr/bin/chromium (apt-get install -y chromium)"),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(locale="fr-FR").new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def test_a_message_typed_in_the_simulator_gets_its_reply_without_reloading(
    live_server, transactional_db, django_user_model, settings, run_tasks, browser_page
):
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.echo"
    django_user_model.objects.create_superuser(username="staff", email="s@djobea.test", password="staff-pass-123")
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/?next=/admin/simulator/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "staff-pass-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/simulator/")
    assert page.is_visible("#cluster-note")  # no task cluster here: the page says where replies come from

    page.fill("#id_phone", "6 77 88 99 00")
    page.fill("#id_body", "Bonjour Djobea")
    page.click("#sim-send")
    page.wait_for_selector(".bubble.in")  # stored and shown by the poll, page not reloaded
    assert "Bonjour Djobea" in page.inner_text(".bubble.in")
    assert page.input_value("#id_body") == ""

    run_tasks()  # what the task cluster does

    page.wait_for_selector(".bubble.out")
    assert "echo: Bonjour Djobea" in page.inner_text(".bubble.out")
    assert InboundMessage.objects.get().status == InboundStatus.PROCESSED
    assert "?c=" in page.url and "237677889900" not in page.url  # the URL names the conversation, not the number
    page.wait_for_selector("#sim-recent button")  # recent numbers, one click to switch to them
    assert page.inner_text("#sim-recent") == "+237677889900"
