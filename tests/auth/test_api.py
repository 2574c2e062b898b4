"""JSON sign-in, tokens and user administration."""
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import select

from elearn.audit.models import AuditEntry
from elearn.auth.models import User
from tests.conftest import table_counts


def test_login_returns_a_bearer_token_and_the_user(api, make):
    user = make.user("instructor", email="t@example.com", name="Tee")
    response = api.post("/api/auth/login", json={"email": "T@example.com", "password": "password123"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["tokenType"] == "Bearer" and body["expiresIn"] == 3600
    assert body["user"] == {**body["user"], "id": user.id, "email": "t@example.com", "name": "Tee",
                            "role": "instructor"}
    me = api.get("/api/auth/me", body["accessToken"])
    assert me.status_code == 200 and me.get_json()["email"] == "t@example.com"


def test_token_carries_user_id_and_role(app, api, make):
    from flask_jwt_extended import decode_token

    user = make.user("admin", email="claims@example.com")
    claims = decode_token(api.token("claims@example.com"))
    assert claims["sub"] == str(user.id) and claims["role"] == "admin"


def test_bad_credentials_are_401_in_the_contract_shape(api, make):
    make.user(email="b@example.com")
    for body in ({"email": "b@example.com", "password": "wrong-password"},
                 {"email": "ghost@example.com", "password": "password123"}):
        response = api.post("/api/auth/login", json=body)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "bad_credentials"
        assert response.get_json()["error"]["message"] == "Wrong email or password."


def test_inactive_user_cannot_get_a_token(api, make):
    make.user(email="off@example.com", active=False)
    response = api.post("/api/auth/login", json={"email": "off@example.com", "password": "password123"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "account_disabled"


def test_missing_tampered_and_expired_tokens_are_refused(app, api, make):
    user = make.user(email="tok@example.com")
    assert api.get("/api/auth/me").get_json()["error"]["code"] == "unauthenticated"
    token = api.token("tok@example.com")
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = api.get("/api/auth/me", tampered)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    expired = create_access_token(identity=str(user.id), expires_delta=timedelta(seconds=-10))
    response = api.get("/api/auth/me", expired)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "token_expired"


def test_a_token_verified_once_still_expires_on_time(app, api, make, db, monkeypatch):
    """Each process remembers the tokens it verified; only their expiry is checked again."""
    import time

    from elearn.auth import sign_ins

    user = make.user(email="tok@example.com")
    sign_in = sign_ins.start(user, "api")
    monkeypatch.setitem(app.config, "JWT_ACCESS_TOKEN_EXPIRES", timedelta(seconds=5))
    token = create_access_token(identity=str(user.id), additional_claims={"sid": sign_in.id, "role": user.role})
    db.session.commit()
    import flask_jwt_extended

    decoded = []
    full_decode = flask_jwt_extended.JWTManager._decode_jwt_from_config
    monkeypatch.setattr(flask_jwt_extended.JWTManager, "_decode_jwt_from_config",
                        lambda *args, **kw: decoded.append(1) or full_decode(*args, **kw))
    assert api.get("/api/auth/me", token).status_code == 200
    assert api.get("/api/auth/me", token).status_code == 200
    assert len(decoded) == 1, "verified once, then remembered"
    deadline = time.monotonic() + 30
    while (answer := api.get("/api/auth/me", token)).status_code == 200:
        assert time.monotonic() < deadline, "the remembered token expired"
        time.sleep(0.2)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "token_expired"


def test_a_token_signed_with_another_key_is_refused(app, api, make):
    import jwt as pyjwt

    user = make.user()
    forged = pyjwt.encode({"sub": str(user.id), "role": "admin", "type": "access"}, "a-guessed-key-that-is-long-enough-to-sign", algorithm="HS256")
    assert api.get("/api/auth/me", forged).status_code == 401


def test_deactivating_a_user_kills_their_token_at_once(api, make, db):
    make.user("admin", email="root@example.com")
    victim = make.user(email="v@example.com")
    victim_token = api.token("v@example.com")
    assert api.get("/api/auth/me", victim_token).status_code == 200
    response = api.patch(f"/api/users/{victim.id}", api.token("root@example.com"), json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    refused = api.get("/api/auth/me", victim_token)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "token_revoked"


def test_register_creates_a_student_whatever_is_asked(api, db):
    response = api.post("/api/auth/register", json={"email": "s@example.com", "password": "long-enough", "name": "S"})
    assert response.status_code == 201
    assert response.get_json()["role"] == "student"
    assert response.headers["Location"].endswith(f"/api/users/{response.get_json()['id']}")
    escalate = api.post("/api/auth/register", json={"email": "x@example.com", "password": "long-enough",
                                                    "name": "X", "role": "admin"})
    assert escalate.status_code == 422 and "role" in escalate.get_json()["error"]["details"]
    assert db.session.scalar(select(User).where(User.email == "x@example.com")) is None


def test_one_object_and_a_list_are_written_alike(api, make):
    """A single object and a list are JSON of the same spelling: fields in the schema's
    order, text outside ASCII escaped, the same media type."""
    admin = api.token(make.user("admin", email="a@example.com", name="Zoë Ørsted").email)
    me = api.get("/api/auth/me", admin)
    listed = api.get("/api/users", admin, query_string={"q": "zo"})
    assert me.mimetype == listed.mimetype == "application/json"
    assert me.get_json()["name"] == listed.get_json()["items"][0]["name"] == "Zoë Ørsted"
    assert b'"Zo\\u00eb \\u00d8rsted"' in me.data and b'"Zo\\u00eb \\u00d8rsted"' in listed.data
    one = me.data.decode()
    assert one.index('"id"') < one.index('"email"') < one.index('"name"') < one.index('"role"')
    assert list(me.get_json()) == list(listed.get_json()["items"][0])


def test_register_conflict_and_validation(api, make, db):
    make.user(email="dup@example.com")
    dup = api.post("/api/auth/register", json={"email": "DUP@example.com", "password": "long-enough", "name": "D"})
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "conflict"
    bad = api.post("/api/auth/register", json={"email": "nope", "password": "short", "name": ""})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]) == {"email", "password", "name"}
    assert table_counts(db)["users"] == 1


def test_malformed_and_non_object_bodies_are_400(api):
    for data in ("{not json", "[1, 2]", '"text"'):
        response = api.post("/api/auth/login", data=data, headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed"


def test_oversized_body_is_413(api):
    response = api.post("/api/auth/register", data="x" * (3 * 1024 * 1024),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_unknown_api_path_and_wrong_method_answer_json(api):
    assert api.get("/api/nothing-here").get_json()["error"]["code"] == "not_found"
    response = api.call("PUT", "/api/auth/login")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_only_admins_create_users(api, make, db):
    make.user("admin", email="adm@example.com")
    make.user("instructor", email="ins@example.com")
    new = {"email": "made@example.com", "password": "long-enough", "name": "Made", "role": "instructor"}
    assert api.post("/api/users", json=new).status_code == 401
    refused = api.post("/api/users", api.token("ins@example.com"), json=new)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert db.session.scalar(select(User).where(User.email == "made@example.com")) is None
    created = api.post("/api/users", api.token("adm@example.com"), json=new)
    assert created.status_code == 201 and created.get_json()["role"] == "instructor"
    assert api.token("made@example.com", "long-enough")


def test_admin_lists_users_with_search_role_filter_and_pages(api, make):
    make.user("admin", email="adm@example.com", name="Admin")
    for k in range(5):
        make.user(email=f"learner{k}@example.com", name=f"Learner {k}")
    make.user("instructor", email="prof@example.com", name="Prof 100%")
    token = api.token("adm@example.com")
    page = api.get("/api/users?perPage=2&page=2&role=student", token).get_json()
    assert (page["page"], page["perPage"], page["total"]) == (2, 2, 5)
    assert [u["email"] for u in page["items"]] == ["learner2@example.com", "learner3@example.com"]
    found = api.get("/api/users?q=PROF", token).get_json()
    assert [u["email"] for u in found["items"]] == ["prof@example.com"]
    literal = api.get("/api/users?q=100%25", token).get_json()
    assert [u["email"] for u in literal["items"]] == ["prof@example.com"]
    assert api.get("/api/users?perPage=500", token).status_code == 422
    assert api.get("/api/users?role=wizard", token).status_code == 422


def test_admin_cannot_lock_themself_out(api, make, db):
    admin = make.user("admin", email="solo@example.com")
    token = api.token("solo@example.com")
    disable = api.patch(f"/api/users/{admin.id}", token, json={"active": False})
    assert disable.status_code == 409 and disable.get_json()["error"] == {
        "code": "conflict", "message": "You cannot disable your own account. Another admin can, if it must be.",
        "details": {}}
    demote = api.patch(f"/api/users/{admin.id}", token, json={"role": "student"})
    assert demote.status_code == 409
    assert demote.get_json()["error"]["message"] == "You cannot remove your own admin role. Another admin can, if it must be."
    assert api.get("/api/auth/me", token).get_json()["role"] == "admin"
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True
    assert api.patch(f"/api/users/{admin.id}", token, json={"name": "Still Me", "role": "admin"}).status_code == 200


def test_users_set_their_own_time_zone(api, make, db, received):
    user = make.user(email="me@example.com")
    token = api.token("me@example.com")
    received.clear()
    response = api.patch("/api/auth/me", token, json={"timezone": "America/Sao_Paulo"})
    assert response.status_code == 200 and response.get_json()["timezone"] == "America/Sao_Paulo"
    assert {"type": "user.updated", "userId": user.id, "timezone": "America/Sao_Paulo"} in received
    db.session.expire_all()
    assert db.session.get(User, user.id).timezone == "America/Sao_Paulo"
    assert api.get("/api/auth/me", token).get_json()["timezone"] == "America/Sao_Paulo"
    assert api.patch("/api/auth/me", token, json={}).get_json()["timezone"] == "America/Sao_Paulo"


@pytest.mark.parametrize("body, message", [
    ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list, like Europe/Berlin."),
    ({"timezone": None}, "Time zone cannot be null; leave it out to keep it as it is."),
    ({"role": "admin"}, "Remove this field; it is not one this form or request takes."),
])
def test_own_settings_refuse_unknown_zones_and_other_fields(api, make, db, body, message):
    user = make.user(email="me@example.com")
    response = api.patch("/api/auth/me", api.token("me@example.com"), json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {next(iter(body)): message}
    db.session.expire_all()
    assert (db.session.get(User, user.id).timezone, db.session.get(User, user.id).role) == ("UTC", "student")


def test_admins_create_users_in_a_time_zone(api, make):
    make.user("admin", email="root@example.com")
    token = api.token("root@example.com")
    new = {"email": "far@example.com", "password": "long-enough-1", "name": "Far Away"}
    created = api.post("/api/users", token, json={**new, "timezone": "Pacific/Auckland"})
    assert created.status_code == 201 and created.get_json()["timezone"] == "Pacific/Auckland"
    plain = api.post("/api/users", token, json={**new, "email": "near@example.com"})
    assert plain.get_json()["timezone"] == "UTC"


def test_role_change_applies_to_existing_tokens(api, make):
    make.user("admin", email="boss@example.com")
    user = make.user("student", email="promote@example.com")
    student_token = api.token("promote@example.com")
    new = {"email": "z@example.com", "password": "long-enough", "name": "Z"}
    assert api.post("/api/users", student_token, json=new).status_code == 403
    api.patch(f"/api/users/{user.id}", api.token("boss@example.com"), json={"role": "admin"})
    assert api.post("/api/users", student_token, json=new).status_code == 201


def test_guessing_the_current_password_to_change_it_is_limited_and_logged(api, browser, make, db):
    """Whoever holds a stolen token or session could guess the current password here: ten
    tries an hour per user, the browser's form and the API together, each refusal logged."""
    user = make.user(email="held@example.com")
    token = api.token("held@example.com")
    for _ in range(6):
        answer = api.post("/api/auth/password", token, json={"currentPassword": "guess-guess", "newPassword": "n3w-pass-word"})
        assert answer.status_code == 422
    browser.login("held@example.com")
    for _ in range(4):
        assert browser.post("/account/password", {"currentPassword": "guess-guess",
                                                  "newPassword": "n3w-pass-word"}).status_code == 422
    limited = api.post("/api/auth/password", token, json={"currentPassword": "password123", "newPassword": "n3w-pass-word"})
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    page = browser.post("/account/password", {"currentPassword": "password123", "newPassword": "n3w-pass-word"})
    assert page.status_code == 429
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("password123"), "the limited requests changed nothing"
    refused = db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "password.change_refused")).all()
    assert refused == [user.id] * 10
    other = make.user(email="other@example.com")
    assert api.post("/api/auth/password", api.token("other@example.com"),
                    json={"currentPassword": "password123", "newPassword": "n3w-pass-word"}).status_code == 204
    assert db.session.get(User, other.id) is not None


def test_password_guessing_is_rate_limited(api, make):
    make.user(email="target@example.com")
    for _ in range(10):
        assert api.post("/api/auth/login", json={"email": "target@example.com", "password": "guess-guess"}).status_code == 401
    limited = api.post("/api/auth/login", json={"email": "target@example.com", "password": "password123"})
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in limited.headers
    other = api.post("/api/auth/login", json={"email": "someone@example.com", "password": "whatever-1"})
    assert other.status_code == 401, "another account from the same address still gets an answer"
