"""Input that once caused a 500 answers a clear 4xx and changes nothing; every response
carries the security headers."""
import json

import pytest

from elearn.web.security_headers import CONTENT_SECURITY_POLICY
from tests.conftest import table_counts


def _nested(depth: int) -> str:
    return '{"email": ' + "[" * depth + "]" * depth + ', "password": "x"}'


@pytest.mark.parametrize("body", [
    {"email": "a\x00@example.com", "password": "password123"},
    {"email": "a@example.com", "password": "pass\x00word"},
])
def test_nul_bytes_in_a_sign_in_are_refused_not_a_crash(api, make, db, body):
    make.user(email="a@example.com")
    counts = table_counts(db)
    response = api.client.post("/api/auth/login", json=body)
    assert response.status_code == 422 and "NUL" in json.dumps(response.get_json())
    assert table_counts(db) == counts


def test_nul_bytes_in_searches_bodies_and_forms(api, browser, make):
    make.user(email="s@example.com")
    make.user("instructor", email="ada@example.com")
    token = api.token("ada@example.com")
    assert api.get("/api/courses?q=java\x00script", token).status_code == 422
    assert api.post("/api/courses", token, json={"title": "Bad\x00title"}).status_code == 422
    assert browser.client.post("/login", data={"email": "s\x00@example.com", "password": "x",
                                               "csrf_token": browser.csrf()}).status_code == 422
    browser.login("s@example.com")
    assert browser.client.get("/courses?q=java%00script").status_code == 200  # the page ignores the bad filter
    form = browser.post("/help/tickets", {"subject": "Hi\x00", "body": "There"})
    assert form.status_code == 422 and 'id="subject-error"' in form.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/register"])
def test_json_nested_a_thousand_deep_is_a_400(api, path):
    response = api.client.post(path, data=_nested(1000), content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed"


def test_json_nested_a_thousand_deep_in_a_signed_in_body(api, make):
    make.user("instructor", email="ada@example.com")
    response = api.post("/api/courses", api.token("ada@example.com"), data=_nested(1000),
                        content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["title", "description", "priceCents", "published"])
def test_null_for_a_course_field_that_always_has_a_value_is_a_422(api, make, field):
    ada = make.user("instructor", email="ada@example.com")
    course = make.course(ada, modules=1, title="Kept", price_cents=4900)
    token = api.token("ada@example.com")
    response = api.patch(f"/api/courses/{course.id}", token, json={field: None})
    assert response.status_code == 422 and field in response.get_json()["error"]["details"]
    after = api.get(f"/api/courses/{course.id}", token).get_json()
    assert (after["title"], after["priceCents"]) == ("Kept", 4900)
    assert api.patch(f"/api/courses/{course.id}", token, json={"categoryId": None}).status_code == 200


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-Infinity", "1e999999", "-5", "1000001", "sNaN"])
def test_nonsense_prices_on_the_course_form_are_form_errors(browser, make, db, price):
    make.user("instructor", email="ada@example.com")
    browser.login("ada@example.com")
    counts = table_counts(db)
    response = browser.post("/teach/courses/new", {"title": "Priced", "price": price})
    assert response.status_code == 422 and "Enter a price like 49.00" in response.get_data(as_text=True)
    assert table_counts(db) == counts


@pytest.mark.parametrize("path", ["/courses", "/help", "/admin/users", "/admin/progress", "/admin/tickets",
                                  "/admin/audit", "/admin"])
def test_absurd_page_numbers_on_html_lists_show_a_page(browser, make, path):
    make.user("admin", email="root@example.com")
    browser.login("root@example.com")
    response = browser.client.get(f"{path}?page=99999999999999999999", follow_redirects=True)
    assert response.status_code == 200


def test_405_says_which_methods_are_allowed(api, client):
    response = api.client.put("/api/auth/login", json={})
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"POST"}
    page = client.delete("/login")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


def test_security_headers_on_pages_api_and_static_files(browser, api, client, make):
    make.user(email="s@example.com")
    anonymous = client.get("/login")
    assert anonymous.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert anonymous.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in anonymous.headers, "not in development (plain http)"
    assert anonymous.headers.get("Cache-Control") != "no-store"
    browser.login("s@example.com")
    assert browser.client.get("/").headers["Cache-Control"] == "no-store"
    assert api.get("/api/auth/me", api.token("s@example.com")).headers["Cache-Control"] == "no-store"
    static = browser.client.get("/static/js/app.js")
    assert static.headers.get("Cache-Control") != "no-store" and static.headers["X-Content-Type-Options"] == "nosniff"
    static.close()


def test_production_sends_hsts(backend):
    from tests.conftest import build_app

    app = build_app(backend[1], ELEARN_ENV="production")
    with app.test_client() as client:
        assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=31536000")
