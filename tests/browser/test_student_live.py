"""The student experience in a real browser: pages update in place and live."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.browser


def _token(page, base, email):
    response = page.request.post(f"{base}/api/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    return response.json()["accessToken"]


def _john_course(page, base, title):
    token = _token(page, base, "john@example.com")
    enrollments = page.request.get(f"{base}/api/enrollments", headers={"Authorization": f"Bearer {token}"}).json()
    enrollment = next(e for e in enrollments["items"] if e["courseTitle"] == title)
    progress = page.request.get(f"{base}/api/progress/course/{enrollment['id']}",
                                headers={"Authorization": f"Bearer {token}"}).json()
    return token, enrollment, progress


def test_marking_complete_updates_in_place_and_every_open_page(live_server, new_page):
    course_tab = new_page("desktop")
    sign_in(course_tab, live_server, "john@example.com")
    expect(course_tab.get_by_test_id("overall-percent")).to_have_text("72%")
    screenshot(course_tab, "student-dashboard-desktop")

    dashboard_tab = course_tab.context.new_page()
    dashboard_tab.goto(f"{live_server}/")
    expect(dashboard_tab.locator("#live-status")).to_have_attribute("data-state", "live")

    stranger = new_page("desktop")
    sign_in(stranger, live_server, "student01@example.com")
    expect(stranger.locator("#live-status")).to_have_attribute("data-state", "live")
    stranger_before = stranger.get_by_test_id("overall-percent").inner_text()

    token, enrollment, progress = _john_course(course_tab, live_server, "JavaScript Fundamentals")
    course_tab.goto(f"{live_server}/courses/{enrollment['courseId']}")
    expect(course_tab.locator("#live-status")).to_have_attribute("data-state", "live")
    dom_module = progress["modules"][7]
    row = course_tab.locator(f"#module-{dom_module['moduleId']}")
    expect(row).to_have_attribute("data-status", "started")  # the demo left "DOM" in progress
    screenshot(course_tab, "course-page-desktop")
    url_before = course_tab.url
    next_module = progress["modules"][8]["moduleId"]
    row.get_by_role("button", name=re.compile("^Mark complete")).click()
    expect(row).to_have_attribute("data-status", "completed")
    expect(course_tab.get_by_test_id("course-percent")).to_have_text("80%")
    assert course_tab.url == url_before, "no navigation"
    # Keyboard users land on the next module's button, and screen readers hear what happened.
    expect(course_tab.locator(f"#module-{next_module}-complete")).to_be_focused()
    expect(course_tab.locator("#module-announcer")).to_have_text("DOM completed. Your progress: 80%.")
    # The live push that follows folds DOM into the completed modules; focus stays put.
    expect(course_tab.locator("#done-modules > summary")).to_contain_text("8 completed modules")
    expect(course_tab.locator(f"#module-{next_module}-complete")).to_be_focused()
    expect(dashboard_tab.get_by_test_id("overall-percent")).to_have_text("76%")
    expect(dashboard_tab.get_by_test_id("overall-counts")).to_have_text("19 of 25 modules")

    # A change through the JSON API moves both pages again.
    response = course_tab.request.post(
        f"{live_server}/api/progress/mark-completed/{enrollment['id']}/{next_module}",
        headers={"Authorization": f"Bearer {token}"})
    assert response.ok
    expect(dashboard_tab.get_by_test_id("overall-percent")).to_have_text("80%")
    expect(course_tab.locator(f"#module-{next_module}")).to_have_attribute("data-status", "completed")
    expect(course_tab.get_by_test_id("course-percent")).to_have_text("90%")
    screenshot(dashboard_tab, "student-dashboard-after-desktop")

    # Undo in the page brings the numbers back down everywhere. The finished modules are
    # folded; the summary opens them, and they stay open while the page updates.
    course_tab.locator("#done-modules > summary").click()
    course_tab.locator(f"#module-{next_module}").get_by_role("button", name=re.compile("^Undo")).click()
    expect(course_tab.locator(f"#module-{next_module}")).not_to_have_attribute("data-status", "completed")
    expect(course_tab.locator(f"#module-{next_module}-complete")).to_be_focused()
    expect(dashboard_tab.get_by_test_id("overall-percent")).to_have_text("76%")
    course_tab.locator(f"#module-{dom_module['moduleId']}").get_by_role("button", name=re.compile("^Undo")).click()
    expect(dashboard_tab.get_by_test_id("overall-percent")).to_have_text("72%")

    assert stranger.get_by_test_id("overall-percent").inner_text() == stranger_before


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_catalog_search_as_you_type(live_server, new_page, viewport):
    page = new_page(viewport)
    sign_in(page, live_server, "john@example.com")
    page.goto(f"{live_server}/courses")
    expect(page.locator("#catalog-results")).to_contain_text("React Basics")
    page.fill("#q", "python")
    expect(page.locator("#catalog-results .course-card")).to_have_count(1)
    expect(page.locator("#catalog-results")).to_contain_text("Python for Data Analysis")
    assert "q=python" in page.url
    screenshot(page, f"catalog-search-{viewport}")


@pytest.mark.parametrize("viewport", ["phone"])
def test_pages_fit_a_phone(live_server, new_page, viewport):
    page = new_page(viewport)
    sign_in(page, live_server, "john@example.com")
    expect(page.get_by_test_id("overall-percent")).to_have_text("72%")
    screenshot(page, f"student-dashboard-{viewport}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px phone"
    page.locator(".course-card a.button").first.click()
    expect(page.locator("#course-progress")).to_be_visible()
    screenshot(page, f"course-page-{viewport}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_contents_an_instructor_adds_or_removes_appear_on_open_course_pages(live_server, new_page):
    page = new_page("desktop")
    sign_in(page, live_server, "john@example.com")
    _token_john, enrollment, progress = _john_course(page, live_server, "React Basics")
    page.goto(f"{live_server}/courses/{enrollment['courseId']}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    module = page.locator(f"#module-{progress['modules'][0]['moduleId']}")
    page.locator("#done-modules > summary").click()  # the first module is done, so folded
    expect(module.locator(".module-body > summary")).to_have_text("Contents (3)")

    ada = {"Authorization": f"Bearer {_token(page, live_server, 'ada@example.com')}"}
    added = page.request.post(f"{live_server}/api/modules/{progress['modules'][0]['moduleId']}/contents",
                              headers=ada, data={"title": "Cheat sheet", "type": "link",
                                                 "url": "https://example.com/react-cheat-sheet"})
    assert added.status == 201
    expect(module.locator(".module-body > summary")).to_have_text("Contents (4)")
    module.locator(".module-body > summary").click()
    expect(module.get_by_role("link", name="Cheat sheet")).to_be_visible()

    assert page.request.delete(f"{live_server}/api/contents/{added.json()['id']}", headers=ada).status == 204
    expect(module.locator(".module-body > summary")).to_have_text("Contents (3)")
    expect(module.get_by_role("link", name="Cheat sheet")).to_have_count(0)


def test_a_disabled_learners_open_page_says_they_were_signed_out(live_server, new_page):
    page = new_page("desktop")
    admin = {"Authorization": f"Bearer {_token(page, live_server, 'admin@example.com')}"}
    email = f"disabled-{uuid.uuid4().hex[:8]}@example.com"  # the live app is shared: a name of its own
    created = page.request.post(f"{live_server}/api/users", headers=admin, data={
        "email": email, "password": DEMO_PASSWORD, "name": "Lee Leaving", "role": "student"})
    assert created.status == 201
    sign_in(page, live_server, email)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    disabled = page.request.patch(f"{live_server}/api/users/{created.json()['id']}", headers=admin,
                                  data={"active": False})
    assert disabled.status == 200
    expect(page.locator("#live-status")).to_have_attribute("data-state", "ended")
    expect(page.locator("#live-status")).to_contain_text("Signed out.")
    expect(page.get_by_role("alert")).to_contain_text("This account was disabled, so you were signed out.")
    expect(page.locator("#live-connection[hx-ws\\:connect]")).to_have_count(0)  # no reconnecting
    screenshot(page, "student-signed-out-desktop")
    page.locator("#live-status").get_by_role("link", name="Sign in again").click()
    expect(page).to_have_url(re.compile(r"/login"))
