"""The learner's course page and its buttons, with and without htmx."""
from sqlalchemy import select

from elearn.enrollments.models import Enrollment
from elearn.progress.models import Progress


def _enrolled(browser, make, modules=4):
    student = make.user(email="s@example.com")
    course = make.course(modules=modules, title="Algebra")
    enrollment = make.enroll(student, course)
    browser.login("s@example.com")
    return student, course, enrollment, make.modules(course)


def test_course_page_shows_each_modules_status(browser, make, api):
    student, course, enrollment, modules = _enrolled(browser, make)
    make.complete(enrollment, 1)
    api.post("/api/progress", api.token("s@example.com"), json={"enrollmentId": enrollment.id, "moduleId": modules[1].id})
    html = browser.client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert html.count('data-status="completed"') == 1
    assert html.count('data-status="started"') == 1
    assert html.count('data-status="not-started"') == 2
    assert 'data-testid="course-percent">25%<' in html and "1 of 4 modules completed" in html
    assert 'role="progressbar"' in html and 'aria-valuenow="25.0"' in html
    assert "Undo" in html and "Mark complete" in html and ">Start<" in html


def test_mark_complete_with_htmx_returns_the_row_and_the_bars(browser, make, db):
    _student, course, enrollment, modules = _enrolled(browser, make)
    response = browser.post(f"/courses/{course.id}/modules/{modules[0].id}/complete", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<li class="module is-completed" id="module-{modules[0].id}"')
    assert '<hx-partial hx-target="#course-progress" hx-swap="outerMorph">' in html
    assert 'data-testid="course-percent">25%<' in html
    assert '<hx-partial hx-target="#module-announcer" hx-swap="innerHTML">' in html
    assert f"{modules[0].title} completed. Your progress: 25%." in html
    assert db.session.get(Enrollment, enrollment.id).completed_count == 1


def test_plain_form_posts_work_without_javascript(browser, make, db):
    _student, course, enrollment, modules = _enrolled(browser, make)
    done = browser.post(f"/courses/{course.id}/modules/{modules[1].id}/complete")
    assert done.status_code == 303 and done.headers["Location"] == f"/courses/{course.id}#module-{modules[1].id}"
    assert db.session.get(Enrollment, enrollment.id).completed_count == 1
    undone = browser.post(f"/courses/{course.id}/modules/{modules[1].id}/undo")
    assert undone.status_code == 303
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).completed_count == 0
    started = browser.post(f"/courses/{course.id}/modules/{modules[2].id}/start")
    assert started.status_code == 303
    assert browser.post(f"/courses/{course.id}/modules/{modules[2].id}/start").status_code == 303
    assert len(db.session.scalars(select(Progress).where(Progress.module_id == modules[2].id)).all()) == 1


def test_buttons_need_csrf_and_enrollment(browser, make, db):
    _student, course, enrollment, modules = _enrolled(browser, make)
    url = f"/courses/{course.id}/modules/{modules[0].id}/complete"
    assert browser.client.post(url).status_code == 400
    other = make.course(modules=1)
    foreign = make.modules(other)[0]
    refused = browser.post(f"/courses/{other.id}/modules/{foreign.id}/complete", headers={"HX-Request": "true"})
    assert refused.status_code == 404
    assert 'role="alert"' in refused.get_data(as_text=True)
    wrong_module = browser.post(f"/courses/{course.id}/modules/{foreign.id}/complete", headers={"HX-Request": "true"})
    assert wrong_module.status_code == 422
    assert db.session.get(Enrollment, enrollment.id).completed_count == 0


def test_dashboard_shows_the_students_numbers(browser, make):
    _student, course, enrollment, modules = _enrolled(browser, make)
    make.complete(enrollment, 3)
    html = browser.client.get("/").get_data(as_text=True)
    assert 'data-testid="overall-percent">75%<' in html
    assert "3 of 4 modules" in html and "Algebra" in html
    assert f'href="/courses/{course.id}#step-4"' in html and "Continue" in html
    assert "Last completed: <strong>Module 3</strong>" in html
