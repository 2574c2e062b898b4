"""Configuration from the environment."""
import pytest
from sqlalchemy import text

from elearn import create_app
from tests.conftest import build_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("ELEARN_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("ELEARN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="at least 32"):
        create_app()


def test_production_starts_with_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("ELEARN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    app = create_app()
    assert app.config["SECRET_KEY"] == "x" * 48
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_generates_a_secret_key_once_into_instance(monkeypatch, tmp_path):
    monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_database_defaults_to_a_sqlite_file_in_instance(monkeypatch, tmp_path):
    monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/elearn.sqlite"
    assert app.config["REDIS_URL"] is None


def test_database_url_and_redis_url_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal/elearn")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://u:p@db.internal/elearn"
    assert app.config["REDIS_URL"] == "redis://cache.internal:6379/0"


def test_postgresql_pool_size_comes_from_the_environment_and_nothing_pings(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.internal/elearn")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "7")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "0")
    assert create_app().config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": False, "pool_size": 7, "max_overflow": 0}
    monkeypatch.delenv("DATABASE_POOL_SIZE")
    monkeypatch.delenv("DATABASE_MAX_OVERFLOW")
    assert create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 20
    monkeypatch.setenv("DATABASE_POOL_SIZE", "lots")
    with pytest.raises(RuntimeError, match="DATABASE_POOL_SIZE must be a whole number"):
        create_app()


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path):
    from elearn.extensions import db

    app = build_app(f"sqlite:///{tmp_path / 'pragmas.sqlite'}")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_session_cookie_is_httponly_and_samesite(app, browser, make):
    make.user(email="cookie@example.com")
    response = browser.login("cookie@example.com")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie



def test_deployments_sharing_redis_count_sign_ins_under_their_own_channel(monkeypatch):
    """Sign-in attempts are counted under the deployment's channel, like its events and
    cache, so test runs and deployments sharing a Redis never spend each other's
    allowance (the multiprocess browser test signs in on servers of its own channel)."""
    monkeypatch.setenv("ELEARN_EVENT_CHANNEL", "school-a:events")
    assert create_app({"TESTING": True}).config["RATELIMIT_KEY_PREFIX"] == "school-a:events:limits"


def test_a_mail_url_that_cannot_work_stops_the_app_at_start(monkeypatch):
    for bad in ("http://mail.example.com", "smtp://", "smtp://mail.example.com?tls=maybe"):
        monkeypatch.setenv("MAIL_URL", bad)
        with pytest.raises(RuntimeError, match="MAIL_URL"):
            create_app()
    monkeypatch.setenv("MAIL_URL", "smtp://me:secret@mail.example.com:587?tls=starttls")
    monkeypatch.setenv("MAIL_FROM", "Academy <hello@example.com>")
    app = create_app()
    assert app.config["MAIL_URL"] == "smtp://me:secret@mail.example.com:587?tls=starttls"
    assert app.config["MAIL_FROM"] == "Academy <hello@example.com>"


def test_job_retry_delays_come_from_the_environment(monkeypatch):
    assert create_app().config["JOB_RETRY_DELAYS"] == (30, 120, 600)
    monkeypatch.setenv("ELEARN_JOB_RETRY_DELAYS", "5, 60")
    assert create_app().config["JOB_RETRY_DELAYS"] == (5, 60)
    monkeypatch.setenv("ELEARN_JOB_RETRY_DELAYS", "soon")
    with pytest.raises(RuntimeError, match="ELEARN_JOB_RETRY_DELAYS"):
        create_app()
