"""Headless system Chromium for the browser tests (never `playwright install`: no download is possible)."""

import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

needs_chromium = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs /usr/bin/chromium")


@contextmanager
def chromium_page(*, locale: str = "fr-FR", viewport: dict = DESKTOP):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(locale=locale, viewport=viewport).new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            browser.close()


def log_in(page, base_url: str, *, username: str, password: str, next_url: str = "/admin/") -> None:
    page.goto(f"{base_url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 = nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
