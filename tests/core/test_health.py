"""``/healthz`` (liveness) and ``/readyz`` (readiness), and how the app answers while its
database is down: 503 with ``Retry-After``, never a 500, and back by itself."""
import time

import pytest

from tests.conftest import Api, build_app


def test_healthz_touches_no_service(tmp_path):
    app = build_app("postgresql+psycopg2://nobody@127.0.0.1:1/none", REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_instance_names_its_bus_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "disabled", "bus": "in-process",
                                   "cache": "in-process"}


def test_database_down_is_not_ready(tmp_path):
    response = build_app("postgresql+psycopg2://nobody@127.0.0.1:1/none").test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["database"] == "down"
    assert response.headers["Retry-After"] == "5"


@pytest.mark.redis
def test_redis_down_is_ready_but_degraded(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'h.sqlite'}", REDIS_URL="redis://127.0.0.1:1/0")
    body = app.test_client().get("/readyz").get_json()
    assert body == {"status": "degraded", "database": "ok", "redis": "down", "bus": "redis", "cache": "redis"}


def test_requests_while_the_database_is_down_are_503_and_it_recovers_by_itself():
    """The drill of a PostgreSQL restart: a TCP proxy between the app and the database is cut,
    then restored. Requests meanwhile answer 503 (JSON or a page that needs no database),
    an acknowledged write survives, and the app comes back by itself."""
    from sqlalchemy import make_url

    from tests.conftest import Browser, _create_postgres_database, migrate_to_head
    from tests.factories import Factory
    from tests.proxy import Proxy

    url, drop = _create_postgres_database()
    server = make_url(url)
    proxy = Proxy(server.host or "127.0.0.1", server.port or 5432)
    app = build_app(server.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        migrate_to_head(app)
        with app.app_context():
            make = Factory()
            student = make.user(email="s@example.com")
            course = make.course(modules=2)
            enrollment_id, module_ids = make.enroll(student, course).id, [m.id for m in make.modules(course)]
        api, browser = Api(app.test_client()), Browser(app.test_client())
        token = api.token("s@example.com")
        browser.login("s@example.com")
        assert api.post(f"/api/progress/mark-completed/{enrollment_id}/{module_ids[0]}", token).status_code == 200

        proxy.cut()
        refused = api.post(f"/api/progress/mark-completed/{enrollment_id}/{module_ids[1]}", token)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert refused.get_json()["error"]["code"] == "unavailable"
        page = browser.client.get("/courses")
        assert page.status_code == 503 and "Back in a moment" in page.get_data(as_text=True)
        assert app.test_client().get("/readyz").status_code == 503
        assert app.test_client().get("/healthz").status_code == 200

        proxy.restore()
        deadline = time.monotonic() + 20
        while (answer := api.get("/api/progress/overall", token)).status_code != 200:
            assert time.monotonic() < deadline, "the app did not come back by itself"
            time.sleep(0.2)
        assert answer.get_json()["completedModules"] == 1, "the acknowledged write is there, the refused one is not"
        assert browser.client.get("/courses").status_code == 200
    finally:
        proxy.cut()
        with app.app_context():
            from elearn.extensions import db

            db.engine.dispose()
        drop()
