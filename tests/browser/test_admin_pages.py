"""The admin pages in a real browser, at desktop and phone widths."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
PAGES = [("/admin", "admin-platform", "Platform analytics"), ("/admin/learners", "admin-learners", "Learners"),
         ("/admin/users", "admin-users", "Users"), ("/admin/progress", "admin-progress", "Progress records"),
         ("/admin/tickets", "admin-tickets", "Support tickets"), ("/admin/audit", "admin-audit", "Audit log"),
         ("/admin/messages", "admin-messages", "Write to the platform")]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_admin_page_renders_and_fits(live_server, new_page, viewport):
    page = new_page(viewport)
    refused = page.request.post(f"{live_server}/api/auth/login", data={"email": "ada@example.com", "password": "nope-nope"})
    assert refused.status == 401  # something for the audit log to show
    sign_in(page, live_server, "admin@example.com", expect_path="/admin")
    for path, name, heading in PAGES:
        page.goto(f"{live_server}{path}")
        expect(page.locator("h1")).to_have_text(heading)
        screenshot(page, f"{name}-{viewport}")
        if viewport == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
            # The sub-navigation scrolls in one row, showing the current page's entry.
            box = page.locator(".subnav [aria-current='page']").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, path


def test_learning_patterns_follow_the_chosen_timezone(live_server, new_page):
    page = new_page("desktop")
    sign_in(page, live_server, "admin@example.com", expect_path="/admin")
    page.goto(f"{live_server}/admin/learners")
    before = page.locator("#patterns tbody").inner_text()
    page.select_option("#tz", "Asia/Tokyo")
    page.get_by_role("button", name="Show").click()
    # The caption names the zone once the patterns are redrawn (the select lists every zone).
    expect(page.locator("#patterns p.small")).to_contain_text("Asia/Tokyo")
    expect(page.locator("#patterns tbody")).not_to_have_text(before)
    screenshot(page, "admin-learners-tokyo-desktop")


def test_a_student_asks_for_help_and_an_admin_answers(live_server, new_page):
    student = new_page("desktop")
    sign_in(student, live_server, "student05@example.com")
    student.goto(f"{live_server}/help")
    student.fill("#subject", "Cannot see the Hooks video")
    student.fill("#body", "It stays black on my laptop.")
    student.get_by_role("button", name="Send").click()
    expect(student.get_by_test_id("ticket-status")).to_have_text("Open")
    ticket_url = student.url
    screenshot(student, "help-ticket-desktop")

    admin = new_page("phone")
    sign_in(admin, live_server, "admin@example.com", expect_path="/admin")
    admin.goto(f"{live_server}/admin/tickets?status=open")
    admin.get_by_role("link", name="Cannot see the Hooks video").click()
    admin.fill("#reply-body", "Fixed the file; please reload.")
    admin.get_by_role("button", name="Reply").click()
    admin.get_by_role("button", name="Close ticket").click()
    expect(admin.get_by_test_id("ticket-status")).to_have_text("Closed")
    screenshot(admin, "admin-ticket-phone")
    student.goto(ticket_url)
    expect(student.locator("#replies")).to_contain_text("Fixed the file; please reload.")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_learner_manages_their_account(live_server, new_page, viewport):
    page = new_page(viewport)
    sign_in(page, live_server, "student07@example.com")
    if viewport == "phone":
        page.get_by_role("button", name="Menu").click()  # the account link is in the menu
    page.locator(".who").click()
    expect(page.locator("h1")).to_have_text("Your account")
    page.fill("#current-password", "not my password")
    page.fill("#new-password", "sunshine")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current-password-error")).to_have_text("This is not your current password.")
    screenshot(page, f"account-{viewport}")
    if viewport == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
