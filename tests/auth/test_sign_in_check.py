"""The sign-in check every request makes is cached, and never outlives a change to the
account or its sign-ins: across processes sharing Redis, and for changes made straight
through the database session."""
import pytest
from sqlalchemy import select, update

from elearn.auth.models import SignIn, User
from tests.conftest import Api, build_app


def test_a_cached_check_sends_no_sql(api, make, count_queries):
    make.user(email="s@example.com")
    token = api.token("s@example.com")  # its first use cached the check
    with count_queries() as sent:
        assert api.get("/api/auth/me", token).get_json()["email"] == "s@example.com"
    assert sent == []


def test_the_uncached_check_reads_one_row_whatever_the_statistics_say(api, make, db):
    """Statistics gathered while one person had signed in (every sign-in theirs) once led
    PostgreSQL to merge-join along the users' key up to the next user to sign in: 24 ms
    for a user 55,000 rows in, on every uncached check of theirs."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner")
    from sqlalchemy import insert, text

    from elearn.auth.sign_ins import check_statement

    first = make.user(email="first@example.com")
    db.session.execute(insert(User), [{"email": f"u{n}@example.com", "name": f"U {n}", "password_hash": "x"}
                                      for n in range(5000)])
    last = make.user(email="last@example.com")
    for _ in range(50):
        db.session.add(SignIn(user_id=first.id, kind="api"))
    db.session.commit()
    db.session.execute(text("ANALYZE sign_ins"))
    db.session.execute(text("ANALYZE users"))
    token = api.token("last@example.com")
    sign_in = db.session.scalar(select(SignIn.id).where(SignIn.user_id == last.id))
    assert api.get("/api/auth/me", token).get_json()["email"] == "last@example.com"
    statement = check_statement(sign_in).compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = db.session.execute(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")).scalar()[0]["Plan"]

    def rows_read(node):
        yield node["Actual Rows"] * node["Actual Loops"] + node.get("Rows Removed by Filter", 0)
        for child in node.get("Plans", ()):
            yield from rows_read(child)

    assert max(rows_read(plan)) <= 51, plan  # the sign-ins table may be scanned (50 + 1 rows)


def test_changes_to_the_account_show_at_once(api, make, db):
    user = make.user(email="s@example.com", name="Sam")
    token = api.token("s@example.com")
    user.name = "Samira"  # a flushed change of the user (no service, no event)
    db.session.commit()
    assert api.get("/api/auth/me", token).get_json()["name"] == "Samira"
    db.session.execute(update(User).where(User.id == user.id).values(role="instructor"))  # a bulk statement
    db.session.commit()
    assert api.get("/api/auth/me", token).get_json()["role"] == "instructor"
    db.session.execute(update(SignIn).where(SignIn.user_id == user.id).values(revoked_at=SignIn.created_at))
    db.session.commit()
    assert api.get("/api/auth/me", token).status_code == 401


def test_a_session_from_before_users_were_named_in_it_still_works(browser, make, db):
    """Sessions used to hold ``s<sign-in>`` alone; they are checked with one query."""
    make.user(email="s@example.com")
    browser.login("s@example.com")
    with browser.client.session_transaction() as session:
        sign_in, _user = session["_user_id"].removeprefix("s").split(".")
        session["_user_id"] = f"s{sign_in}"
    assert browser.client.get("/account").status_code == 200
    with browser.client.session_transaction() as session:
        session["_user_id"] = f"s{sign_in}.999"  # a sign-in is only its own user's
    assert browser.client.get("/account").status_code == 302


@pytest.mark.redis
def test_signing_out_in_one_process_ends_the_token_in_another(app, make, redis_url, backend):
    """Two server processes share Redis: one answers from its cached check until the other
    revokes the sign-in, then refuses the token on the very next request."""
    import uuid

    make.user(email="s@example.com")
    channel = f"elearn:test:{uuid.uuid4().hex}"
    first, second = (build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=channel) for _ in range(2))
    try:
        one, two = Api(first.test_client()), Api(second.test_client())
        token = one.token("s@example.com")
        assert two.get("/api/auth/me", token).status_code == 200  # checked, and cached in Redis
        assert one.post("/api/auth/logout", token).status_code == 204
        assert two.get("/api/auth/me", token).status_code == 401
    finally:
        for process in (first, second):
            with process.app_context():
                from elearn.extensions import db

                db.engine.dispose()


@pytest.mark.redis
def test_a_check_written_into_redis_by_someone_else_is_not_believed(app, make, db, redis_url, backend):
    """Whoever can write to Redis can make a figure wrong, but not sign anyone in: a check
    signed with another key (an admin role) and another sign-in's genuine check are both
    ignored, and the database decides."""
    import json
    import uuid

    import redis as redis_client
    from itsdangerous import URLSafeSerializer
    from sqlalchemy import select

    user = make.user(email="s@example.com")
    channel = f"elearn:test:{uuid.uuid4().hex}"
    process = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=channel)
    client = redis_client.Redis.from_url(redis_url)
    try:
        api = Api(process.test_client())
        revoked_token, standing_token = api.token("s@example.com"), api.token("s@example.com")
        assert api.post("/api/auth/logout", revoked_token).status_code == 204
        assert api.get("/api/auth/me", revoked_token).status_code == 401  # its revoked check is cached too
        db.session.rollback()
        revoked_id, standing_id = db.session.scalars(select(SignIn.id).where(SignIn.user_id == user.id)
                                                     .order_by(SignIn.id)).all()
        key = f"{channel}:cache:sign-in:{{}}".format
        _before_logout, genuine = json.loads(client.get(key(standing_id)))
        generations, _revoked_check = json.loads(client.get(key(revoked_id)))  # cached after the logout

        forged = URLSafeSerializer("not-the-key", salt="elearn.sign-in-check").dumps([standing_id, {
            "revoked": False, "id": user.id, "email": "s@example.com", "name": "S", "role": "admin",
            "active": True, "timezone": "UTC", "created_at": "2026-01-01T00:00:00Z"}])
        client.set(key(standing_id), json.dumps([generations, forged]))
        assert api.get("/api/auth/me", standing_token).get_json()["role"] == "student"

        client.set(key(revoked_id), json.dumps([generations, genuine]))  # the standing one's, moved
        assert api.get("/api/auth/me", revoked_token).status_code == 401
    finally:
        stale = client.keys(f"{channel}:*")
        if stale:
            client.delete(*stale)
        with process.app_context():
            from elearn.extensions import db as process_db

            process_db.engine.dispose()
