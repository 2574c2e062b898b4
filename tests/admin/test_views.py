"""The admin pages: figures as a person reads them, and nobody else gets in."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.audit.models import AuditEntry
from elearn.auth.models import User
from elearn.db_types import utcnow
from elearn.progress.models import ProgressEvent

ADMIN_PAGES = ["/admin", "/admin/learners", "/admin/users", "/admin/progress", "/admin/tickets", "/admin/courses"]


def _current(html: str, nav: str) -> list[str]:
    """The links marked as the current page in the navigation labelled ``nav``."""
    block = re.search(rf'<nav [^>]*aria-label="{nav}"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'aria-current="page">([^<]+)</a>', block)


@pytest.fixture
def admin(browser, make):
    user = make.user("admin", email="root@example.com", name="Root Admin")
    browser.login("root@example.com")
    return user


def test_platform_page_shows_hand_computed_figures(browser, admin, make):
    teacher = make.user("instructor")
    paid = make.course(teacher, modules=2, title="Paid", price_cents=5000)
    free = make.course(teacher, modules=1, title="Free")
    a, b = make.user(), make.user()
    make.complete(make.enroll(a, paid), 2)
    make.enroll(b, paid)
    make.complete(make.enroll(a, free), 1)
    html = browser.client.get("/admin").get_data(as_text=True)
    assert 'data-testid="users-total">4<' in html
    assert 'data-testid="courses-total">2<' in html and 'data-testid="enrollments-total">3<' in html
    assert 'data-testid="completion-rate">66%<' in html
    assert 'data-testid="revenue-total">$100.00<' in html
    assert 'data-testid="dau">1<' in html
    assert "Revenue by month" in html
    # This month's bar reaches the axis's round top ($100, gridlines at quarters), labelled compactly.
    assert 'class="vchart-bar" style="height: 100.0%"' in html
    assert '<span class="vchart-value" aria-hidden="true">$100</span>' in html
    assert "<li>$100</li><li>$75</li><li>$50</li><li>$25</li><li>$0</li>" in html
    assert "Course completion rates" in html and "50%" in html


def test_learners_page_patterns_in_a_chosen_timezone(browser, admin, make, db):
    student = make.user()
    course = make.course(modules=1)
    enrollment = make.enroll(student, course)
    monday_2330_utc = utcnow().replace(hour=23, minute=30, second=0, microsecond=0)
    monday_2330_utc -= timedelta(days=(monday_2330_utc.weekday()) + 7)
    db.session.add(ProgressEvent(user_id=student.id, course_id=course.id, enrollment_id=enrollment.id,
                                 module_id=None, kind="completed", occurred_at=monday_2330_utc))
    db.session.commit()
    html = browser.client.get("/admin/learners?tz=Europe/Berlin", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="patterns"') and "Europe/Berlin" in html
    assert 'title="Tue 00:00–00:59: 1"' in html
    utc = browser.client.get("/admin/learners").get_data(as_text=True)
    assert 'title="Mon 23:00–23:59: 1"' in utc and "Retention by weekly sign-up cohort" in utc
    bad = browser.client.get("/admin/learners?tz=Mars/Olympus").get_data(as_text=True)
    assert "Unknown time zone" in bad


def test_learners_time_zone_is_a_select_of_iana_zones(browser, admin):
    html = browser.client.get("/admin/learners?tz=Asia/Tokyo").get_data(as_text=True)
    select = re.search(r'<select id="tz" name="tz">.*?</select>', html, re.S).group(0)
    assert re.findall(r"<option[^>]* selected>([^<]*)</option>", select) == ["Asia/Tokyo"]
    zones = re.findall(r'<option(?: value="([^"]+)")?[^>]*>([^<]*)</option>', select)
    names = [value or text for value, text in zones]
    assert names[0] == "UTC" and "Europe/Berlin" in names and "America/Argentina/Buenos_Aires" in names
    asia = re.search(r'<optgroup label="Asia">(.*?)</optgroup>', select).group(1)
    in_asia = re.findall(r'<option(?: value="([^"]+)")?[^>]*>([^<]*)</option>', asia)
    in_asia = [value or text for value, text in in_asia]
    assert in_asia == sorted(in_asia) and all(name.startswith("Asia/") for name in in_asia)


@pytest.mark.parametrize("path", ["/admin", "/admin/learners", "/admin/users", "/admin/progress", "/admin/audit",
                                  "/admin/courses", "/admin/tickets", "/admin/messages", "/admin/outbox",
                                  "/admin/webhooks"])
def test_every_admin_page_highlights_admin_and_keeps_the_admin_navigation(browser, admin, path):
    html = browser.client.get(path).get_data(as_text=True)
    assert _current(html, "Main") == ["Admin"], path
    assert len(_current(html, "Admin")) == 1, path


def test_all_courses_is_an_admin_page_listing_every_course(browser, admin, make):
    make.course(make.user("instructor"), title="Algebra")
    make.course(make.user("instructor"), title="Botany", published=False)
    html = browser.client.get("/admin/courses").get_data(as_text=True)
    assert _current(html, "Admin") == ["All courses"]
    assert "<h1>All courses</h1>" in html and "Algebra" in html and "Botany" in html


def test_admin_creates_users_and_changes_roles(browser, admin, db):
    response = browser.post("/admin/users", {"email": "new@example.com", "password": "long-enough-1",
                                              "name": "New Teacher", "role": "instructor"})
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.role == "instructor"
    row = browser.post(f"/admin/users/{user.id}", {"role": "admin"}, headers={"HX-Request": "true"})
    assert row.get_data(as_text=True).lstrip().startswith(f'<tr id="user-{user.id}"')
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "admin"
    bad = browser.post("/admin/users", {"email": "nope", "password": "x", "name": "", "role": "student"})
    assert bad.status_code == 422 and 'id="new-email-error"' in bad.get_data(as_text=True)


def test_deactivating_a_user_ends_their_session_at_once(app, browser, admin, make, db):
    victim = make.user(email="victim@example.com")
    other = app.test_client()
    from tests.conftest import Browser

    victim_browser = Browser(other)
    victim_browser.login("victim@example.com")
    assert other.get("/").status_code == 200
    response = browser.post(f"/admin/users/{victim.id}", {"active": "false"}, headers={"HX-Request": "true"})
    assert 'data-testid="user-status">Disabled<' in response.get_data(as_text=True)
    assert other.get("/").status_code == 302


def test_admin_cannot_disable_themself(browser, admin, db):
    response = browser.post(f"/admin/users/{admin.id}", {"active": "false"}, headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "You cannot disable your own account. Another admin can, if it must be." in response.get_data(as_text=True)
    demote = browser.post(f"/admin/users/{admin.id}", {"role": "instructor"})
    assert demote.status_code == 409
    assert "You cannot remove your own admin role. Another admin can, if it must be." in demote.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(User, admin.id).active, db.session.get(User, admin.id).role) == (True, "admin")


def test_the_users_page_offers_no_way_to_lock_yourself_out(browser, admin, make):
    other = make.user(email="other@example.com")
    html = browser.client.get("/admin/users").get_data(as_text=True)
    own_row = re.search(rf'<tr id="user-{admin.id}".*?</tr>', html, re.S).group(0)
    assert 'admin <span class="tag">You</span>' in own_row
    assert "<select" not in own_row and "Disable" not in own_row
    other_row = re.search(rf'<tr id="user-{other.id}".*?</tr>', html, re.S).group(0)
    assert f'id="role-{other.id}"' in other_row and "Disable" in other_row


def test_create_a_user_comes_before_the_user_table(browser, admin, make):
    for _ in range(30):
        make.user()
    html = browser.client.get("/admin/users").get_data(as_text=True)
    assert html.index('<h2 id="new-user-title">Create a user</h2>') < html.index('<table class="data">')


def test_admin_creates_a_user_in_a_chosen_time_zone(browser, admin, db):
    html = browser.client.get("/admin/users").get_data(as_text=True)
    assert '<select id="new-timezone" name="timezone"><option selected>UTC</option>' in html
    response = browser.post("/admin/users", {"email": "tokyo@example.com", "password": "long-enough-1",
                                             "name": "Tokyo Learner", "role": "student", "timezone": "Asia/Tokyo"})
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "tokyo@example.com"))
    assert user.timezone == "Asia/Tokyo"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created"))
    assert (entry.actor_id, entry.target_id) == (admin.id, user.id)


def test_user_list_search_and_role_filter(browser, admin, make):
    make.user(email="zed@example.com", name="Zed")
    make.user("instructor", email="ina@example.com", name="Ina")
    html = browser.client.get("/admin/users?role=instructor", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "ina@example.com" in html and "zed@example.com" not in html
    assert "zed@example.com" in browser.client.get("/admin/users?q=ZED").get_data(as_text=True)


def test_progress_records_are_browsable_with_filters(browser, admin, make):
    course = make.course(modules=3, title="Algebra")
    other = make.course(modules=1, title="Botany")
    make.complete(make.enroll(make.user(email="amy@example.com", name="Amy"), course), 2)
    make.complete(make.enroll(make.user(email="bo@example.com", name="Bo"), other), 1)
    html = browser.client.get("/admin/progress").get_data(as_text=True)
    assert "3 records" in html and "Algebra" in html and "Botany" in html
    only = browser.client.get(f"/admin/progress?courseId={course.id}&q=amy", headers={"HX-Request": "true"})
    text = only.get_data(as_text=True)
    assert "2 records" in text and "Botany" not in text
    assert "0 records" in browser.client.get("/admin/progress?status=started").get_data(as_text=True)


@pytest.mark.parametrize("role", ["student", "instructor"])
def test_everyone_else_gets_403_on_every_admin_page(browser, make, role):
    make.user(role, email="x@example.com")
    browser.login("x@example.com")
    for path in ADMIN_PAGES:
        assert browser.client.get(path).status_code == 403, path
        assert browser.client.get(path, headers={"HX-Request": "true"}).status_code == 403, path
    assert browser.post("/admin/users", {"email": "a@example.com", "password": "long-enough", "name": "A",
                                         "role": "admin"}).status_code == 403
    assert browser.post("/admin/users/1", {"role": "admin"}).status_code == 403
    assert browser.post("/help/tickets/1/status", {"status": "closed"}).status_code == 403


def test_admin_lands_on_the_platform_page(browser, admin):
    assert browser.client.get("/").headers["Location"] == "/admin"
