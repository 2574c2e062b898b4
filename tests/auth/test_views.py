"""Browser sign-in: pages, CSRF, sessions."""
import re

from sqlalchemy import select

from elearn.auth.models import User
from tests.conftest import table_counts


def test_login_page_renders_a_form_with_a_csrf_token(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Sign in</h1>" in html and 'name="csrf_token"' in html


def test_home_sends_anonymous_visitors_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_home_answers_htmx_with_hx_redirect_when_signed_out(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/login")


def test_signed_in_instructor_lands_on_their_courses(browser, make):
    make.user("instructor", email="ada@example.com", name="Ada Lovelace")
    response = browser.login("ADA@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert browser.client.get("/").headers["Location"] == "/teach"
    html = browser.client.get("/teach").get_data(as_text=True)
    assert "<h1>My courses</h1>" in html and 'title="Your account (ada@example.com)"' in html and "Ada Lovelace" in html


def test_login_follows_only_local_next_links(browser, make):
    make.user(email="n@example.com")
    assert browser.login("n@example.com", next="/?tab=1").headers["Location"] == "/?tab=1"
    browser.client.post("/logout", data={"csrf_token": browser.csrf("/")})
    assert browser.login("n@example.com", next="https://evil.example/").headers["Location"] == "/"
    browser.client.post("/logout", data={"csrf_token": browser.csrf("/")})
    assert browser.login("n@example.com", next="//evil.example/").headers["Location"] == "/"


def test_wrong_password_is_refused(browser, make):
    make.user(email="w@example.com")
    response = browser.login("w@example.com", "not-the-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert browser.client.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer(browser):
    response = browser.login("nobody@example.com", "whatever-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(browser, make):
    make.user(email="off@example.com", active=False)
    response = browser.login("off@example.com")
    assert response.status_code == 403
    assert "This account is disabled." in response.get_data(as_text=True)
    assert browser.client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, make):
    make.user(email="c@example.com")
    client.get("/login")
    response = client.post("/login", data={"email": "c@example.com", "password": "password123"})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_register_creates_a_signed_in_student(browser, db):
    token = browser.csrf("/register")
    response = browser.client.post("/register", data={
        "email": "New.Person@Example.com", "password": "long-enough", "name": "New Person",
        "csrf_token": token})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.role == "student" and user.password_hash != "long-enough"
    assert "Welcome, New" in browser.client.get("/").get_data(as_text=True)


def test_register_shows_field_errors_and_creates_nothing(browser, db):
    token = browser.csrf("/register")
    response = browser.client.post("/register", data={
        "email": "not-an-email", "password": "short", "name": "", "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="password-error"' in html and 'id="name-error"' in html
    assert table_counts(db)["users"] == 0


def test_register_refuses_a_taken_email(browser, make, db):
    make.user(email="taken@example.com")
    token = browser.csrf("/register")
    response = browser.client.post("/register", data={
        "email": "TAKEN@example.com", "password": "long-enough", "name": "X", "csrf_token": token})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert table_counts(db)["users"] == 1


def test_register_without_csrf_is_refused(client, db):
    response = client.post("/register", data={"email": "x@example.com", "password": "long-enough", "name": "X"})
    assert response.status_code == 400
    assert table_counts(db)["users"] == 0


def test_logout_needs_post_with_csrf(browser, make):
    make.user(email="o@example.com")
    browser.login("o@example.com")
    assert browser.client.get("/logout").status_code == 405
    assert browser.client.post("/logout").status_code == 400
    assert browser.client.get("/").status_code == 200
    assert browser.client.post("/logout", data={"csrf_token": browser.csrf("/")}).status_code == 302
    assert browser.client.get("/").status_code == 302


def test_deactivated_user_is_signed_out_on_the_next_request(browser, make, db):
    user = make.user(email="later-off@example.com")
    browser.login("later-off@example.com")
    assert browser.client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert browser.client.get("/").status_code == 302


def test_unknown_page_is_a_readable_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_login_form_is_rate_limited_too(browser, make):
    make.user(email="form@example.com")
    for _ in range(10):
        assert browser.login("form@example.com", "wrong-password").status_code == 401
    limited = browser.login("form@example.com")
    assert limited.status_code == 429
    assert "That did not work" in limited.get_data(as_text=True)


def test_account_page_shows_the_time_zone_select_with_the_users_zone(browser, make):
    make.user(email="tz@example.com", timezone="Asia/Kolkata")
    browser.login("tz@example.com")
    html = browser.client.get("/account").get_data(as_text=True)
    assert '<label for="timezone">Time zone</label>' in html and '<select id="timezone" name="timezone">' in html
    assert re.findall(r"<option[^>]* selected>([^<]*)</option>", html) == ["Asia/Kolkata"]
    assert '<optgroup label="Europe">' in html and "<option>Europe/Berlin</option>" in html
    assert 'value="America/New_York">America/New York</option>' in html
    assert "data-suggest-browser-zone" not in html, "a chosen zone is not replaced by the browser's"
    assert "Change your password" in html, "the password change stays on the page"


def test_an_account_still_on_utc_asks_the_browser_for_its_zone(browser, make):
    make.user(email="new@example.com")
    browser.login("new@example.com")
    html = browser.client.get("/account").get_data(as_text=True)
    assert '<select id="timezone" name="timezone" data-suggest-browser-zone>' in html
    address = re.search(r'<script src="(/static/v/[0-9a-f]{12}/js/browser-time-zone\.js)" defer></script>', html)
    assert address, html
    with browser.client.get(address.group(1)) as script:
        assert script.status_code == 200 and b"resolvedOptions().timeZone" in script.data


def test_saving_a_time_zone_changes_the_user_and_tells_their_pages(browser, make, db, received):
    user = make.user(email="tz@example.com")
    browser.login("tz@example.com")
    received.clear()
    response = browser.post("/account/timezone", {"timezone": "Europe/Berlin"})
    assert response.status_code == 303 and response.headers["Location"] == "/account?timezone=saved"
    db.session.expire_all()
    assert db.session.get(User, user.id).timezone == "Europe/Berlin"
    assert {"type": "user.updated", "userId": user.id, "timezone": "Europe/Berlin"} in received
    page = browser.client.get("/account?timezone=saved").get_data(as_text=True)
    assert "Time zone saved: Europe/Berlin." in page
    assert re.findall(r"<option[^>]* selected>([^<]*)</option>", page) == ["Europe/Berlin"]


def test_an_unknown_time_zone_is_refused_beside_the_select(browser, make, db):
    user = make.user(email="tz@example.com", timezone="Asia/Tokyo")
    browser.login("tz@example.com")
    response = browser.post("/account/timezone", {"timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert ('<p class="field-error" id="timezone-error">Choose a time zone from the list, like Europe/Berlin.</p>'
            in response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(User, user.id).timezone == "Asia/Tokyo"


def test_the_time_zone_form_needs_its_csrf_token(client, browser, make, db):
    user = make.user(email="tz@example.com")
    browser.login("tz@example.com")
    assert client.post("/account/timezone", data={"timezone": "Europe/Berlin"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).timezone == "UTC"
