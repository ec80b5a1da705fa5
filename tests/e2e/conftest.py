"""Browser journeys: the real app on a free port with a fresh database, driven in Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tests.queue_helpers import consumer, real_queue


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a free port, with a background worker beside it as `make run` has: its tasks go to a SQLite
    queue file that huey's consumer threads take them from (not the rest of the suite's immediate mode)."""
    with real_queue(app) as huey, consumer(huey, workers=2, periodic=True):
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Assertions wait as long as actions do: on a loaded machine (CI runs three suites on two cores) a
    # dialog fetched by script can take longer than Playwright's default 5 s to appear.
    expect.set_options(timeout=10_000)
    yield page
    context.close()


def sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_menu(page, button_name: str):
    """Open a ⋮ / dropdown menu by its button's accessible name and return the menu.

    Waits for the page's scripts first: a click that lands before Bootstrap wires the toggle
    opens nothing (a person is never that fast; a test is)."""
    page.wait_for_load_state("load")
    button = page.get_by_role("button", name=button_name).first
    menu = button.locator("xpath=following-sibling::div[contains(@class, 'dropdown-menu')]")
    button.click()
    expect(menu).to_be_visible()
    # A menu's icons may be the first use of the icon font: it loads only now, and the menu's items shift
    # when it arrives. A click aimed before the shift lands beside the item (nothing opens), so wait for it.
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return menu


def add_business_customer(page) -> None:
    """"+ Add customer" asks for the type first (issue 11, private): choose Business customer."""
    page.get_by_role("link", name="Add customer").click()
    page.locator("#bo-panel").get_by_role("link", name=re.compile("^Business customer")).click()
    expect(page.locator("#bo-panel").get_by_role("heading", name="Add business customer")).to_be_visible()
