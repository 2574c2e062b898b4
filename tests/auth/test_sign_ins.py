"""Sign-ins end when they should: sign-out, sign-out everywhere, password changes,
deactivation, refresh-token rotation; tokens only in headers; strong passwords; the audit log."""
import pytest
from sqlalchemy import select

from elearn.audit.models import AuditEntry
from elearn.auth.models import SignIn
from tests.conftest import Browser


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _reuse(app, name, value) -> Browser:
    """A fresh browser holding only a copied cookie."""
    copy = Browser(app.test_client())
    copy.client.set_cookie(name, value)
    return copy


def test_a_session_cookie_copied_before_sign_out_stops_working(app, browser, make):
    make.user(email="s@example.com")
    browser.login("s@example.com")
    stolen = _cookie(browser.client, "session")
    assert _reuse(app, "session", stolen).client.get("/").status_code == 200
    browser.client.post("/logout", data={"csrf_token": browser.csrf("/")})
    assert _reuse(app, "session", stolen).client.get("/").status_code == 302


def test_remember_me_is_per_sign_in_and_ends_with_it(app, browser, make):
    make.user(email="s@example.com")
    browser.login("s@example.com", remember="on")
    first = _cookie(browser.client, "remember_token")
    other = Browser(app.test_client())
    other.login("s@example.com", remember="on")
    assert first and _cookie(other.client, "remember_token") != first
    assert _reuse(app, "remember_token", first).client.get("/").status_code == 200
    browser.client.post("/logout", data={"csrf_token": browser.csrf("/")})
    assert _reuse(app, "remember_token", first).client.get("/").status_code == 302
    assert other.client.get("/").status_code == 200, "signing out here keeps the other device signed in"


def test_sign_out_everywhere_ends_every_session_and_token(app, browser, api, make):
    make.user(email="s@example.com")
    browser.login("s@example.com")
    laptop = Browser(app.test_client())
    laptop.login("s@example.com")
    token = api.token("s@example.com")
    response = browser.post("/account/sign-out-everywhere", {"csrf_token": browser.csrf("/account")})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert browser.client.get("/").status_code == 302
    assert laptop.client.get("/").status_code == 302
    assert api.get("/api/auth/me", token).status_code == 401


def test_changing_the_password_in_the_page_keeps_this_session_and_ends_the_others(app, browser, api, make, db):
    make.user(email="s@example.com", name="Sam Smith")
    browser.login("s@example.com")
    laptop = Browser(app.test_client())
    laptop.login("s@example.com")
    token = api.token("s@example.com")
    token_of = lambda form: browser.post("/account/password", form)  # noqa: E731

    wrong = token_of({"currentPassword": "not-it-at-all", "newPassword": "a-much-better-passphrase"})
    assert wrong.status_code == 422 and 'id="current-password-error"' in wrong.get_data(as_text=True)
    weak = token_of({"currentPassword": "password123", "newPassword": "sunshine"})
    assert weak.status_code == 422 and "most common passwords" in weak.get_data(as_text=True)
    own_name = token_of({"currentPassword": "password123", "newPassword": "Sam Smith"})
    assert own_name.status_code == 422 and "email or name" in own_name.get_data(as_text=True)
    assert api.get("/api/auth/me", token).status_code == 200, "refused changes end nothing"

    done = token_of({"currentPassword": "password123", "newPassword": "a-much-better-passphrase"})
    assert done.status_code == 303 and done.headers["Location"] == "/account?changed=1"
    assert "Password changed" in browser.client.get("/account?changed=1").get_data(as_text=True)
    assert laptop.client.get("/").status_code == 302
    assert api.get("/api/auth/me", token).status_code == 401
    assert api.client.post("/api/auth/login", json={"email": "s@example.com", "password": "password123"}
                           ).status_code == 401
    assert api.token("s@example.com", "a-much-better-passphrase")
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "password.changed"))


def test_api_logout_revokes_only_the_token_presented(api, make):
    make.user(email="s@example.com")
    one, two = api.token("s@example.com"), api.token("s@example.com")
    assert api.post("/api/auth/logout", one).status_code == 204
    assert api.get("/api/auth/me", one).status_code == 401
    assert api.get("/api/auth/me", two).status_code == 200


def test_api_password_change_keeps_the_callers_token_and_ends_the_others(api, make):
    make.user(email="s@example.com")
    mine, other = api.token("s@example.com"), api.token("s@example.com")
    wrong = api.post("/api/auth/password", mine, json={"currentPassword": "nope", "newPassword": "correct-horse-42"})
    assert wrong.status_code == 422 and "currentPassword" in wrong.get_json()["error"]["details"]
    assert api.post("/api/auth/password", mine, json={"currentPassword": "password123",
                                                       "newPassword": "correct-horse-42"}).status_code == 204
    assert api.get("/api/auth/me", mine).status_code == 200
    assert api.get("/api/auth/me", other).status_code == 401


def test_logout_all_ends_every_token_including_the_callers(api, make):
    make.user(email="s@example.com")
    mine, other = api.token("s@example.com"), api.token("s@example.com")
    assert api.post("/api/auth/logout-all", mine).status_code == 204
    assert api.get("/api/auth/me", mine).status_code == 401
    assert api.get("/api/auth/me", other).status_code == 401


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_sign_in(api, make, db):
    make.user(email="s@example.com")
    login = api.client.post("/api/auth/login", json={"email": "s@example.com", "password": "password123"}).get_json()
    assert set(login) >= {"accessToken", "refreshToken", "expiresIn", "tokenType"}
    refreshed = api.client.post("/api/auth/refresh", json={"refreshToken": login["refreshToken"]})
    assert refreshed.status_code == 200
    new = refreshed.get_json()
    assert new["refreshToken"] != login["refreshToken"] and new["accessToken"] != login["accessToken"]
    assert api.get("/api/auth/me", new["accessToken"]).status_code == 200
    assert api.get("/api/auth/me", new["refreshToken"]).status_code == 401, "a refresh token is no access token"
    assert api.client.post("/api/auth/refresh", json={"refreshToken": new["accessToken"]}).status_code == 401

    reused = api.client.post("/api/auth/refresh", json={"refreshToken": login["refreshToken"]})
    assert reused.status_code == 401 and reused.get_json()["error"]["code"] == "token_reused"
    assert api.get("/api/auth/me", new["accessToken"]).status_code == 401, "the whole sign-in ended"
    assert api.client.post("/api/auth/refresh", json={"refreshToken": new["refreshToken"]}).status_code == 401
    assert db.session.scalar(select(SignIn.revoked_at)) is not None


def test_tokens_are_read_from_the_header_only(api, make):
    make.user(email="s@example.com")
    token = api.token("s@example.com")
    assert api.get(f"/api/auth/me?token={token}").status_code == 401
    assert api.get("/api/auth/me", token).status_code == 200


def test_deactivation_ends_sign_ins_and_reactivation_does_not_revive_them(api, browser, make):
    make.user("admin", email="root@example.com")
    victim = make.user(email="v@example.com")
    browser.login("v@example.com")
    token = api.token("v@example.com")
    root = api.token("root@example.com")
    api.patch(f"/api/users/{victim.id}", root, json={"active": False})
    api.patch(f"/api/users/{victim.id}", root, json={"active": True})
    assert api.get("/api/auth/me", token).status_code == 401
    assert browser.client.get("/").status_code == 302
    assert api.get("/api/auth/me", api.token("v@example.com")).status_code == 200, "a new sign-in works"


@pytest.mark.parametrize("password, message", [
    ("password123", "most common passwords"),
    ("new@example.com", "email or name"),
    ("Nora Newcomer", "email or name"),
    ("short", "at least 8 characters"),
])
def test_registration_refuses_weak_passwords(api, password, message):
    response = api.client.post("/api/auth/register", json={"email": "new@example.com", "name": "Nora Newcomer",
                                                            "password": password})
    assert response.status_code == 422
    assert any(message in text for text in response.get_json()["error"]["details"].values())


def test_the_audit_log_records_refusals_and_admin_actions(api, make):
    make.user("admin", email="root@example.com")
    make.user(email="s@example.com")
    teacher = make.user("instructor", email="t@example.com")
    root, student = api.token("root@example.com"), api.token("s@example.com")
    api.client.post("/api/auth/login", json={"email": "t@example.com", "password": "guessing-wrong"})
    api.client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "guessing-wrong"})
    api.patch(f"/api/users/{teacher.id}", root, json={"role": "student"})
    api.patch(f"/api/users/{teacher.id}", root, json={"active": False})

    entries = api.get("/api/audit", root).get_json()
    actions = [entry["action"] for entry in entries["items"]]
    assert actions == ["user.deactivated", "user.role_changed", "sign_in.failed", "sign_in.failed"]
    role = entries["items"][1]
    assert role["details"] == {"from": "instructor", "to": "student"} and role["targetId"] == teacher.id
    assert entries["items"][3]["details"] == {"email": "t@example.com", "reason": "wrong_password"}
    failed = api.get("/api/audit?action=sign_in.failed", root).get_json()
    assert failed["total"] == 2 and all(e["actorId"] is None for e in failed["items"])
    assert api.get("/api/audit?since=2026-01-01T00:00:00", root).status_code == 422, "a time needs its offset"
    assert api.get("/api/audit?since=0001-01-01T00:00:00%2B01:00", root).status_code == 422, "not a 500"
    assert api.get("/api/audit", student).status_code == 403


def test_the_admin_reads_the_audit_log_in_a_page(browser, api, make):
    make.user("admin", email="root@example.com")
    api.client.post("/api/auth/login", json={"email": "root@example.com", "password": "wrong-one-here"})
    browser.login("root@example.com")
    page = browser.client.get("/admin/audit").get_data(as_text=True)
    assert "<h1>Audit log</h1>" in page and 'data-action="sign_in.failed"' in page and "email: root@example.com" in page
    only = browser.client.get("/admin/audit?action=password.changed", headers={"HX-Request": "true"})
    assert "Nothing logged yet." in only.get_data(as_text=True)
    unbounded = browser.client.get("/admin/audit?since=0001-01-01T00:00:00%2B01:00")  # (overflowed into a 500)
    assert unbounded.status_code == 200 and 'data-action="sign_in.failed"' in unbounded.get_data(as_text=True)


def test_a_demoted_instructor_loses_their_courses_on_both_surfaces(api, browser, make, db):
    ada = make.user("instructor", email="ada@example.com")
    make.user("admin", email="root@example.com")
    course = make.course(ada, modules=2, title="Old course")
    token = api.token("ada@example.com")
    browser.login("ada@example.com")
    assert api.get(f"/api/analytics/courses/{course.id}/students", token).status_code == 200
    api.patch(f"/api/users/{ada.id}", api.token("root@example.com"), json={"role": "student"})
    assert api.get(f"/api/analytics/courses/{course.id}/students", token).status_code == 403
    assert api.get(f"/api/analytics/courses/{course.id}/students.csv", token).status_code == 403
    assert api.patch(f"/api/courses/{course.id}", token, json={"title": "Mine still?"}).status_code == 403
    assert api.post(f"/api/courses/{course.id}/modules", token, json={"title": "More"}).status_code == 403
    assert browser.client.get(f"/teach/courses/{course.id}").status_code == 403
    assert browser.post(f"/teach/courses/{course.id}/edit", {"title": "Mine still?"}).status_code == 403
    assert api.get(f"/api/courses/{course.id}", token).get_json()["title"] == "Old course"
    draft = make.course(make.user("instructor"), modules=1, title="Their draft", published=False)
    draft.instructor_id = ada.id
    db.session.commit()
    assert api.get(f"/api/courses/{draft.id}", token).status_code == 404
    listed = {item["title"] for item in api.get("/api/courses", token).get_json()["items"]}
    assert "Old course" in listed and "Their draft" not in listed, "the list hides it like the course's page"
    assert "Their draft" not in browser.client.get("/courses").get_data(as_text=True)


def test_the_limit_keys_on_the_email_whatever_the_content_type_says(api, make):
    make.user(email="target@example.com")
    body = '{"email": "target@example.com", "password": "guess-guess"}'
    for _ in range(10):
        answer = api.client.post("/api/auth/login", data=body, content_type="text/plain")
        assert answer.status_code in (400, 401, 415, 422)
    limited = api.client.post("/api/auth/login", json={"email": "target@example.com", "password": "password123"})
    assert limited.status_code == 429


def test_one_account_is_limited_across_addresses(api, make, db):
    make.user(email="target@example.com")
    for n in range(30):
        address = f"10.0.{n // 250}.{n % 250 + 1}"
        answer = api.client.post("/api/auth/login", json={"email": "target@example.com", "password": "guess-guess"},
                                 environ_base={"REMOTE_ADDR": address})
        assert answer.status_code == 401, n
    limited = api.client.post("/api/auth/login", json={"email": "target@example.com", "password": "password123"},
                              environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert limited.status_code == 429
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "sign_in.limited"))
    other = api.client.post("/api/auth/login", json={"email": "other@example.com", "password": "guess-guess"},
                            environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 401, "other accounts are not locked out"


def test_with_its_redis_down_the_limiter_counts_in_memory(tmp_path):
    from tests.conftest import Api, build_app

    app = build_app(f"sqlite:///{tmp_path / 'limits.sqlite'}", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    from tests.conftest import migrate_to_head

    migrate_to_head(app)
    api = Api(app.test_client())
    codes = [api.client.post("/api/auth/login", json={"email": "x@example.com", "password": "guess-guess"}).status_code
             for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429


@pytest.mark.parametrize("email", ["invited@example.com", "nobody@example.com"])
def test_an_invited_account_is_refused_after_a_whole_password_check_like_an_unknown_email(api, make, db,
                                                                                           monkeypatch, email):
    """An invited account's hash is no hash: refusing it took no time at all, which told
    whoever timed the answer that the email has an account."""
    from elearn.auth import service
    from elearn.auth.models import INVITED_PASSWORD

    invited = make.user(email="invited@example.com")
    invited.password_hash = INVITED_PASSWORD
    db.session.commit()
    checked = []
    real = service.check_password_hash
    monkeypatch.setattr(service, "check_password_hash", lambda hashed, password: checked.append(hashed) or real(
        hashed, password))
    answer = api.post("/api/auth/login", json={"email": email, "password": "guess-guess"})
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "bad_credentials"
    assert checked == [service._DUMMY_HASH]
    reason = db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "sign_in.failed"))["reason"]
    assert reason == ("invitation_not_accepted" if email.startswith("invited") else "unknown_account")
