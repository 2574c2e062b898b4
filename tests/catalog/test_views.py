"""The catalog pages in HTML."""
from sqlalchemy import select

from elearn.enrollments.models import Enrollment


def _signed_in(browser, make, role="student", email="s@example.com"):
    user = make.user(role, email=email)
    browser.login(email)
    return user


def test_catalog_lists_published_courses_with_their_facts(browser, make):
    _signed_in(browser, make)
    make.course(modules=3, title="Algebra", price_cents=2500)
    make.course(modules=1, title="Secret draft", published=False)
    html = browser.client.get("/courses").get_data(as_text=True)
    assert "Algebra" in html and "3 modules" in html and "$25.00" in html
    assert "Secret draft" not in html
    assert "1 course" in html


def test_catalog_search_answers_htmx_with_the_results_fragment(browser, make):
    _signed_in(browser, make)
    make.course(title="Algebra")
    make.course(title="Biology")
    response = browser.client.get("/courses?q=alg", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="catalog-results"')
    assert "Algebra" in html and "Biology" not in html and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    full = browser.client.get("/courses?q=alg").get_data(as_text=True)
    assert "<html" in full and 'id="catalog-results"' in full


def test_catalog_ignores_nonsense_filters(browser, make):
    _signed_in(browser, make)
    make.course(title="Algebra")
    assert browser.client.get("/courses?categoryId=abc&page=-4").status_code == 200


def test_enrolling_from_the_catalog(browser, make, db):
    student = _signed_in(browser, make)
    course = make.course(title="Algebra", price_cents=900)
    response = browser.post(f"/courses/{course.id}/enroll")
    assert response.status_code == 303 and response.headers["Location"] == f"/courses/{course.id}"
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == student.id))
    assert (enrollment.course_id, enrollment.price_paid_cents) == (course.id, 900)
    again = browser.post(f"/courses/{course.id}/enroll", headers={"HX-Request": "true"})
    assert again.status_code == 204 and again.headers["HX-Redirect"] == f"/courses/{course.id}"
    assert len(db.session.scalars(select(Enrollment)).all()) == 1


def test_enrolling_needs_csrf(browser, make, db):
    _signed_in(browser, make)
    course = make.course()
    assert browser.client.post(f"/courses/{course.id}/enroll").status_code == 400
    assert db.session.scalar(select(Enrollment)) is None


def test_course_page_for_a_visitor_offers_enrolling(browser, make):
    _signed_in(browser, make)
    course = make.course(modules=2, title="Algebra")
    html = browser.client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "<h1>Algebra</h1>" in html and "Enroll" in html and "Module 1" in html
    assert "Mark complete" not in html


def test_drafts_and_unknown_courses_are_404_pages(browser, make):
    _signed_in(browser, make)
    draft = make.course(published=False)
    assert browser.client.get(f"/courses/{draft.id}").status_code == 404
    assert browser.client.get("/courses/999999").status_code == 404
    assert browser.post(f"/courses/{draft.id}/enroll").status_code == 404


def test_catalog_needs_sign_in(client):
    assert client.get("/courses").status_code == 302
