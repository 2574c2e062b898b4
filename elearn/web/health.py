"""``GET /healthz`` for load balancers: is the database there, is Redis there.

200 while the database answers (Redis down only degrades live updates across processes
and caching, so the instance still serves); 503 when the database does not.
"""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db

bp = Blueprint("health", __name__)


def _redis_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "disabled"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError:
        return "down"


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001  (any failure means "not serving")
        db.session.rollback()
        database = "down"
    body = {"status": "ok" if database == "ok" else "unavailable", "database": database, "redis": _redis_status()}
    response = jsonify(body)
    response.status_code = 200 if database == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
