"""A live elearn server and Debian's Chromium driven by Playwright.

The server runs in a thread of the test process on its own SQLite file, seeded with the
demo platform. Screenshots go to tests/screenshots/ for a person to look at.
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import build_app, migrate_to_head, unavailable

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
DEMO_PASSWORD = "browser-demo-pw"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
#: How long any wait for a page to show something may take. Generous, so that a busy
#: machine slows the suite down rather than failing it; a quiet one answers in well
#: under a second.
LIVE_DEADLINE_MS = 30_000


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite'}")
    migrate_to_head(app)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        unavailable("browser", f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        unavailable("browser", str(error))
    from playwright.sync_api import expect

    expect.set_options(timeout=LIVE_DEADLINE_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """``new_page("desktop")`` opens a page in a fresh context (its own cookies)."""
    contexts = []

    def open_page(viewport="desktop"):
        context = chromium.new_context(viewport=VIEWPORTS[viewport])
        context.set_default_timeout(LIVE_DEADLINE_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD, expect_path: str = "/"):
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{expect_path}")
