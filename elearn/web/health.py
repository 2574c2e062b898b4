"""Health endpoints for load balancers and orchestrators.

- ``GET /healthz``, liveness: the process answers. It touches no service, so a database or
  Redis outage never gets healthy processes restarted.
- ``GET /readyz``, readiness: can this instance serve? 503 when the database does not
  answer. Redis down only degrades it (live updates across processes and shared caching
  stop; requests are still served from the database), so it stays 200 and says so. It also
  names the event bus and cache in use.
"""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

bp = Blueprint("health", __name__)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify({"status": "ok"}))


@bp.get("/readyz")
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "down"
    cache = current_app.extensions["elearn.cache"]
    redis = cache.ping() if current_app.config.get("REDIS_URL") else "disabled"
    shared = "redis" if current_app.config.get("REDIS_URL") else "in-process"
    status = "unavailable" if database != "ok" else "degraded" if redis == "down" else "ok"
    response = jsonify({"status": status, "database": database, "redis": redis, "bus": shared, "cache": shared})
    response.status_code = 503 if database != "ok" else 200
    if database != "ok":
        response.headers["Retry-After"] = "5"
    return _no_store(response)
