"""Course authoring in the browser."""
from sqlalchemy import select

from elearn.catalog.models import Content, Course, Module
from elearn.enrollments.models import Enrollment
from tests.conftest import table_counts


def _instructor(browser, make, email="ada@example.com"):
    user = make.user("instructor", email=email)
    browser.login(email)
    return user


def test_create_a_course_from_the_form(browser, make, db):
    ada = _instructor(browser, make)
    response = browser.post("/teach/courses/new", {"title": "Rust", "description": "Systems", "price": "49.90",
                                                    "published": "on", "thumbnailUrl": ""})
    assert response.status_code == 303
    course = db.session.scalar(select(Course))
    assert (course.title, course.price_cents, course.published, course.instructor_id) == ("Rust", 4990, True, ada.id)
    assert response.headers["Location"] == f"/teach/courses/{course.id}/edit"


def test_saving_the_course_form_keeps_or_sets_when_learners_are_at_risk(browser, make, db, api):
    """The form once lacked the setting, and saving it reset a course's 30 days to 14."""
    ada = _instructor(browser, make)
    course = make.course(ada, modules=2, title="Rust")
    token = api.token("ada@example.com")
    assert api.call("PATCH", f"/api/courses/{course.id}", token, json={"atRiskAfterDays": 30}).status_code == 200
    page = browser.client.get(f"/teach/courses/{course.id}/edit").get_data(as_text=True)
    assert 'name="atRiskAfterDays" type="number" min="1" max="365" required value="30"' in page
    fields = {"title": "Rust, fixed", "description": "", "price": "0", "published": "on"}
    assert browser.post(f"/teach/courses/{course.id}/edit", fields).status_code == 303  # (a form without the field)
    db.session.expire_all()
    assert (db.session.get(Course, course.id).title, db.session.get(Course, course.id).at_risk_after_days) == (
        "Rust, fixed", 30)
    assert browser.post(f"/teach/courses/{course.id}/edit", {**fields, "atRiskAfterDays": "21"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Course, course.id).at_risk_after_days == 21
    refused = browser.post(f"/teach/courses/{course.id}/edit", {**fields, "atRiskAfterDays": "0"})
    assert refused.status_code == 422 and 'id="atRiskAfterDays-error"' in refused.get_data(as_text=True)


def test_course_form_errors_are_shown_and_nothing_is_saved(browser, make, db):
    _instructor(browser, make)
    response = browser.post("/teach/courses/new", {"title": "", "price": "ten", "thumbnailUrl": "javascript:x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="title-error"' in html and "Enter a price like 49.00" in html and 'id="thumb-error"' in html
    assert table_counts(db)["courses"] == 0


def test_modules_are_added_reordered_and_deleted_with_htmx(browser, make, db):
    ada = _instructor(browser, make)
    course = make.course(ada, modules=0, title="C")
    for title in ("A", "B", "C"):
        response = browser.post(f"/teach/courses/{course.id}/modules", {"title": title}, headers={"HX-Request": "true"})
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="modules"') and "Modules <span class=\"muted\">(3)</span>" in html
    modules = make.modules(course)
    browser.post(f"/teach/modules/{modules[2].id}/move/up", headers={"HX-Request": "true"})
    assert [m.title for m in make.modules(course)] == ["A", "C", "B"]
    inserted = browser.post(f"/teach/courses/{course.id}/modules", {"title": "Intro", "order": "1"})
    assert inserted.status_code == 303
    assert [m.title for m in make.modules(course)] == ["Intro", "A", "C", "B"]
    browser.post(f"/teach/modules/{modules[0].id}/delete", headers={"HX-Request": "true"})
    db.session.expire_all()
    assert [(m.title, m.position) for m in make.modules(course)] == [("Intro", 1), ("C", 2), ("B", 3)]
    assert db.session.get(Course, course.id).module_count == 3


def test_deleting_a_module_moves_learners_numbers(browser, make, db):
    ada = _instructor(browser, make)
    course = make.course(ada, modules=2)
    enrollment = make.complete(make.enroll(make.user(), course), 1)
    first, _second = make.modules(course)
    browser.post(f"/teach/modules/{first.id}/delete")
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).completed_count == 0


def test_contents_are_added_and_removed(browser, make, db):
    ada = _instructor(browser, make)
    course = make.course(ada, modules=1)
    module = make.modules(course)[0]
    bad = browser.post(f"/teach/modules/{module.id}/contents", {"title": "X", "type": "video", "url": "javascript:1"},
                       headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "starting with https://, http:// or /." in bad.get_data(as_text=True)
    ok = browser.post(f"/teach/modules/{module.id}/contents",
                      {"title": "Intro video", "type": "video", "url": "https://v.example.com/a.mp4"})
    assert ok.status_code == 303
    content = db.session.scalar(select(Content))
    assert (content.title, content.type) == ("Intro video", "video")
    browser.post(f"/teach/contents/{content.id}/delete")
    assert db.session.scalar(select(Content)) is None


def test_another_instructor_cannot_edit(browser, make, db):
    ada = make.user("instructor", email="ada@example.com")
    course = make.course(ada, modules=1, title="Ada's")
    module = make.modules(course)[0]
    _instructor(browser, make, "bob@example.com")
    counts = table_counts(db)
    assert browser.post(f"/teach/courses/{course.id}/edit", {"title": "Mine"}).status_code == 403
    assert browser.post(f"/teach/courses/{course.id}/modules", {"title": "X"}).status_code == 403
    assert browser.post(f"/teach/modules/{module.id}/delete").status_code == 403
    assert browser.post(f"/teach/courses/{course.id}/delete").status_code == 403
    assert table_counts(db) == counts and db.session.get(Course, course.id).title == "Ada's"


def test_students_cannot_reach_authoring(browser, make):
    make.user(email="s@example.com")
    browser.login("s@example.com")
    assert browser.client.get("/teach/courses/new").status_code == 403
    assert browser.client.get("/teach").status_code == 403


def test_authoring_needs_csrf(browser, make, db):
    _instructor(browser, make)
    assert browser.client.post("/teach/courses/new", data={"title": "X"}).status_code == 400
    assert table_counts(db)["courses"] == 0


def test_deleting_a_course(browser, make, db):
    ada = _instructor(browser, make)
    course = make.course(ada, modules=2)
    make.enroll(make.user(), course)
    response = browser.post(f"/teach/courses/{course.id}/delete", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/teach"
    assert table_counts(db)["enrollments"] == 0 and db.session.scalar(select(Module)) is None
