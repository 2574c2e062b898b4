"""A live elearn server and Debian's Chromium driven by Playwright.

The server runs in a thread of the test process on its own SQLite file, seeded with the
demo platform. Screenshots go to tests/screenshots/ for a person to look at.
"""
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.conftest import build_app, migrate_to_head, serving, unavailable

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
AXE_VERSION = "4.14.1"
AXE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "elearn-tests"


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app behind ``live_server``: the demo platform on its own SQLite file."""
    # Every browser test signs in through this one app, from one address, some as the same
    # demo learner: the sign-in limits (tested on their own in tests/auth) would refuse them.
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite'}", TEST_UNLIMITED=True)
    migrate_to_head(app)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    with serving(live_app) as url:
        yield url


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
    """``new_page("desktop")`` opens a page in a fresh context (its own cookies).

    ``checked=True`` lets the test inject axe-core past the app's Content-Security-Policy;
    ``locale`` is the browser's language (its Accept-Language).
    """
    contexts = []

    def open_page(viewport="desktop", checked=False, locale="en-US"):
        context = chromium.new_context(viewport=VIEWPORTS[viewport], bypass_csp=checked, locale=locale)
        context.set_default_timeout(LIVE_DEADLINE_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's script, fetched from the npm registry once into the user's cache.

    Tests inject it into pages they check; the app never serves it.
    """
    cached = AXE_CACHE / f"axe-core-{AXE_VERSION}" / "axe.min.js"
    if not cached.exists():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("browser", "npm is needed once to fetch axe-core")
        with tempfile.TemporaryDirectory() as scratch:
            packed = subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--silent"], cwd=scratch,
                                    capture_output=True, text=True, timeout=300)
            if packed.returncode != 0:
                unavailable("browser", f"npm pack axe-core failed: {packed.stderr.strip()}")
            with tarfile.open(Path(scratch) / packed.stdout.strip().splitlines()[-1]) as archive:
                script = archive.extractfile("package/axe.min.js").read()
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}")
        partial.write_bytes(script)
        partial.replace(cached)  # atomic: parallel test workers may fetch at once
    return cached.read_text()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD, expect_path: str | None = "/"):
    """Sign in through the form; wait for ``expect_path`` (None: any page but the form)."""
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    if expect_path is None:
        page.wait_for_url(lambda url: "/login" not in url)
    else:
        page.wait_for_url(f"{base_url}{expect_path}")
