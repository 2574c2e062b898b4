"""``/healthz`` tells a load balancer whether this instance can serve."""
import pytest

from tests.conftest import build_app


def test_healthy_instance(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "disabled"}
    assert response.headers["Cache-Control"] == "no-store"


def test_database_down_is_503(tmp_path):
    app = build_app("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "down"


@pytest.mark.redis
def test_redis_down_still_serves(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'h.sqlite'}", REDIS_URL="redis://127.0.0.1:1/0")
    body = app.test_client().get("/healthz").get_json()
    assert body == {"status": "ok", "database": "ok", "redis": "down"}
