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

    student.locator(f"#module-{module_id}").get_by_role("button", name=re.compile("^Undo")).click()
    expect(john_row.get_by_test_id("student-percent")).to_have_text("71%")


def test_student_list_search_and_sort_in_the_browser(live_server, new_page):
    teacher = new_page("desktop")
    sign_in(teacher, live_server, "ada@example.com", expect_path="/teach")
    screenshot(teacher, "instructor-my-courses-desktop")
    teacher.get_by_role("link", name="JavaScript Fundamentals", exact=True).click()
    expect(teacher.locator("#live-status")).to_have_attribute("data-state", "live")  # htmx is up
    teacher.fill("#student-q", "john")
    expect(teacher.locator("#students tbody tr")).to_have_count(1)
    teacher.locator("#students tbody tr a").first.click()
    expect(teacher.locator("#student-detail")).to_contain_text("John Doe · 70%")
    teacher.fill("#student-q", "")
    teacher.get_by_role("link", name=re.compile("^Progress")).click()
    expect(teacher.locator("#students th a[aria-sort]")).to_have_text(re.compile("Progress"))


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
