"""Signing in through a real browser."""
import pytest

from tests.browser.conftest import DEMO_PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_student_signs_in_and_sees_who_they_are(live_server, new_page, viewport):
    page = new_page(viewport)
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")
    screenshot(page, f"login-{viewport}")
    sign_in(page, live_server, "john@example.com")
    assert page.locator("h1").inner_text() == "Welcome back, John"
    assert page.locator(".who").get_attribute("title") == "Your account (john@example.com)"
    screenshot(page, f"home-{viewport}")


def test_wrong_password_shows_an_error_and_stays_on_login(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "john@example.com")
    page.fill("#password", DEMO_PASSWORD + "x")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Wrong email or password."
    assert page.url.startswith(f"{live_server}/login")
    screenshot(page, "login-error-desktop")


def test_sign_out_returns_to_login(live_server, new_page):
    page = new_page()
    sign_in(page, live_server, "ada@example.com", expect_path="/teach")
    page.click("text=Sign out")
    page.wait_for_url(f"{live_server}/login")
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")
