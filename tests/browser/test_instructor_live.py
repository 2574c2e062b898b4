"""The instructor's course dashboard follows students live."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_heatmap_and_student_row_follow_a_students_progress(live_server, new_page):
    teacher = new_page("desktop")
    sign_in(teacher, live_server, "ada@example.com", expect_path="/teach")
    teacher.get_by_role("link", name="Node.js Backend", exact=True).click()
    expect(teacher.locator("#live-status")).to_have_attribute("data-state", "live")
    screenshot(teacher, "instructor-course-desktop")

    student = new_page("desktop")
    sign_in(student, live_server, "john@example.com")
    student.get_by_role("link", name="Node.js Backend").first.click()
    row = student.locator('li.module[data-status="not-started"]').first
    module_id = row.get_attribute("id").removeprefix("module-")

    teacher.locator("#students").scroll_into_view_if_needed()  # fetched when scrolled to
    john_row = teacher.locator("#students tr", has_text="John Doe")
    expect(john_row.get_by_test_id("student-percent")).to_have_text("71%")
    teacher.locator("#heatmap").scroll_into_view_if_needed()  # fetched when scrolled to
    heat_row = teacher.locator("#heatmap tr", has_text="John Doe")
    cell = heat_row.locator(f'td[data-module="{module_id}"]')
    expect(cell).to_have_class(re.compile(r"\bnot_started\b"))
    url = teacher.url

    row.get_by_role("button", name=re.compile("^Mark complete")).click()
    expect(cell).to_have_class(re.compile(r"\bcompleted\b"))
    expect(john_row.get_by_test_id("student-percent")).to_have_text("85%")
    assert teacher.url == url, "no reload or navigation"
    screenshot(teacher, "instructor-course-after-desktop")

    student.locator("#done-modules > summary").click()  # the completed module is folded away
    student.locator(f"#module-{module_id}").get_by_role("button", name=re.compile("^Undo")).click()
    expect(john_row.get_by_test_id("student-percent")).to_have_text("71%")


def test_student_list_search_and_sort_in_the_browser(live_server, new_page):
    teacher = new_page("desktop")
    sign_in(teacher, live_server, "ada@example.com", expect_path="/teach")
    screenshot(teacher, "instructor-my-courses-desktop")
    teacher.get_by_role("link", name="JavaScript Fundamentals", exact=True).click()
    expect(teacher.locator("#live-status")).to_have_attribute("data-state", "live")  # htmx is up
    course_url = teacher.url
    expect(teacher.locator("#student-q")).to_have_count(0)  # the list lies below: fetched when scrolled to
    teacher.locator("#students").scroll_into_view_if_needed()
    teacher.fill("#student-q", "john")
    expect(teacher.locator("#students tbody tr")).to_have_count(1)
    expect(teacher).to_have_url(re.compile(r"\?q=john&sort=-lastActivityAt$"))  # the search is in the address
    teacher.locator("#students tbody tr a").first.click()
    expect(teacher.locator("#student-detail")).to_contain_text("John Doe · 70%")
    expect(teacher.locator("#student-detail-title")).to_be_focused()  # beside the list, focused
    teacher.fill("#student-q", "")
    expect(teacher.locator("#students tbody tr")).to_have_count(24)
    teacher.get_by_role("link", name=re.compile("^Progress")).click()
    expect(teacher.locator('#students th[aria-sort="ascending"]')).to_have_text(re.compile("Progress"))

    # Filters combine with the sort, and reload, Back and a shared link all keep the list.
    teacher.get_by_role("link", name=re.compile("^Completed")).click()
    expect(teacher).to_have_url(re.compile(r"sort=percentage&status=completed"))
    expect(teacher.locator("#students tbody tr")).to_have_count(3)
    filtered = teacher.url
    teacher.reload()
    expect(teacher.locator("#students tbody tr")).to_have_count(3)
    expect(teacher.locator('.triage a[aria-current="true"]')).to_contain_text("Completed")
    teacher.go_back()
    expect(teacher).to_have_url(re.compile(r"\?sort=percentage$"))
    expect(teacher.locator("#students tbody tr")).to_have_count(24)
    shared = new_page("phone")
    sign_in(shared, live_server, "ada@example.com", expect_path="/teach")
    shared.goto(filtered)
    expect(shared.locator("#students tbody tr")).to_have_count(3)
    assert filtered.startswith(course_url)

    # On a phone the detail is a dialog; closing it returns to the name.
    name = shared.locator("#students tbody tr a.student-link").first
    name.click()
    expect(shared.locator("#student-panel")).to_be_visible()
    assert shared.evaluate("document.getElementById('student-panel').matches(':modal')")
    screenshot(shared, "instructor-student-dialog-phone")
    shared.get_by_role("button", name=re.compile("^Close")).click()
    expect(shared.locator("#student-panel")).to_be_hidden()
    expect(name).to_be_focused()

    # The header is one row with a menu on phones.
    expect(shared.get_by_role("link", name="Help")).to_be_hidden()
    shared.get_by_role("button", name="Menu").click()
    expect(shared.get_by_role("link", name="Help")).to_be_visible()
    screenshot(shared, "instructor-menu-open-phone")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_authoring_pages(live_server, new_page, viewport):
    page = new_page(viewport)
    sign_in(page, live_server, "grace@example.com", expect_path="/teach")
    page.get_by_role("link", name="Edit UX Design Basics").click()
    expect(page.locator("#modules")).to_contain_text("Personas")
    screenshot(page, f"authoring-edit-{viewport}")
    if viewport == "phone":
        page.goto(f"{live_server}/teach")
        screenshot(page, "instructor-my-courses-phone")
        page.get_by_role("link", name="UX Design Basics", exact=True).click()
        page.locator("#heatmap").scroll_into_view_if_needed()
        expect(page.locator("#heatmap table")).to_be_visible()
        screenshot(page, "instructor-course-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
