"""Shared fixtures: one app per database backend per test session, a clean database per test.

Every test that uses ``app`` runs on SQLite and, when ``TEST_DATABASE_URL`` is set, again
on PostgreSQL, in a database this session creates and drops. ``ELEARN_TEST_REQUIRE``
(e.g. ``postgres,redis,browser``) turns a missing service into a failure instead of a skip.
"""
import functools
import logging
import os
import re
import shutil
import threading
import uuid
import weakref
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from tests.factories import Factory

#: The Redis the redis suites use; the app itself only sees it when a test passes it in.
TEST_REDIS_URL = os.environ.get("REDIS_URL")
# Request lines from the test servers' threads are noise (and may be written after pytest
# closed its capture streams).
logging.getLogger("werkzeug").setLevel(logging.WARNING)

#: Ralph's command, installed by ``make test`` in a venv of its own (tests/xapi/conftest.py).
RALPH = Path(__file__).resolve().parent.parent / ".venv" / "ralph" / "bin" / "ralph"
REQUIRED = {s.strip() for s in os.environ.get("ELEARN_TEST_REQUIRE", "").split(",") if s.strip()}
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
#: This run's RQ queue on the shared Redis: no other run's worker takes its jobs.
TEST_JOB_QUEUE = f"elearn-test-{uuid.uuid4().hex[:10]}"


def unavailable(service: str, reason: str):
    """Skip, or fail when CI said this service must be there."""
    if service in REQUIRED:
        pytest.fail(f"{service} is required (ELEARN_TEST_REQUIRE) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"{service} unavailable: {reason}")


#: Suites that need a service, what they are called, and how to run them.
OPTIONAL_SUITES = {
    "postgres": ("PostgreSQL", "set TEST_DATABASE_URL=postgresql://user@host:5432/postgres"),
    "redis": ("Redis", "set REDIS_URL=redis://127.0.0.1:6379/0"),
    "browser": ("browser", "install Chromium (apt-get install chromium) or set CHROMIUM_PATH"),
    "lrs": ("Ralph LRS", "run make test (it installs Ralph in .venv/ralph)"),
}


def _missing_services() -> set[str]:
    """Services whose suites cannot run here and are not required: their tests are left out
    at collection, with one summary line each, instead of a skip per test."""
    from tests.browser.conftest import CHROMIUM

    missing = set()
    if not os.environ.get("TEST_DATABASE_URL"):
        missing.add("postgres")
    if not TEST_REDIS_URL:
        missing.add("redis")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        missing.add("browser")
    if not RALPH.exists():
        missing.add("lrs")
    return missing - REQUIRED


def _needs(item) -> set[str]:
    needs = {mark.name for mark in item.iter_markers() if mark.name in ("redis", "browser", "lrs")}
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("backend") == "postgres":
        needs.add("postgres")
    return needs


def pytest_collection_modifyitems(config, items):
    missing = _missing_services()
    if not missing:
        return
    left_out = {service: 0 for service in missing}
    kept = []
    for item in items:
        absent = _needs(item) & missing
        for service in absent:
            left_out[service] += 1
        if not absent:
            kept.append(item)
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    config.stash[_LEFT_OUT] = left_out
    if hasattr(config, "workeroutput"):  # an xdist worker: tell the controller, which prints the summary
        config.workeroutput["elearn_left_out"] = left_out


_LEFT_OUT = pytest.StashKey[dict]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist: every worker collects the whole suite, so any one worker's counts will do."""
    node.config.stash[_LEFT_OUT] = getattr(node, "workeroutput", {}).get("elearn_left_out", {})


def pytest_terminal_summary(terminalreporter, config):
    for service, count in sorted(config.stash.get(_LEFT_OUT, {}).items()):
        if count:
            name, how = OPTIONAL_SUITES[service]
            terminalreporter.write_line(f"{name} suite not run ({count} tests): {how} to run it.", yellow=True)


@pytest.fixture
def redis_url():
    """The test Redis, answering (else the test is skipped, or fails when Redis is required)."""
    if not TEST_REDIS_URL:
        unavailable("redis", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable("redis", str(error))
    return TEST_REDIS_URL


@pytest.fixture(scope="session", autouse=True)
def _empty_test_job_queue():
    """Jobs this run left on the shared Redis (no worker took them) go with it."""
    yield
    if TEST_REDIS_URL:
        import redis
        from rq import Queue

        try:
            Queue(TEST_JOB_QUEUE, connection=redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)).empty()
        except redis.RedisError:
            pass


@pytest.fixture(scope="session", autouse=True)
def _instance_dir(tmp_path_factory):
    """Keep generated secrets and SQLite files out of the work tree."""
    path = tmp_path_factory.mktemp("instance")
    os.environ["ELEARN_INSTANCE_PATH"] = str(path)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    return path


def _create_postgres_database() -> tuple[str, callable]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        unavailable("postgres", "TEST_DATABASE_URL is not set")
    from elearn.config import normalise_database_url

    server = make_url(normalise_database_url(base))
    name = f"elearn_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001  (any connection failure means "unavailable")
        admin.dispose()
        unavailable("postgres", str(error).splitlines()[0])

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def _fresh_context_client():
    """A test client whose every request gets its own app context (and so its own ``g``
    and database session), as in production; otherwise requests would share the test's
    context, and Flask-Login's user cached on ``g`` would leak from one client to another."""
    from flask.testing import FlaskClient

    class FreshContextClient(FlaskClient):
        def open(self, *args, **kwargs):
            with self.application.app_context():
                return super().open(*args, **kwargs)

    return FreshContextClient


def _unlimited_when_asked() -> bool:
    """Rate limits off for an app built with ``TEST_UNLIMITED=True`` (or a test that sets it).

    A request filter, not ``RATELIMIT_ENABLED=False``: the limiter is one object shared by
    every app of the test process, and disabling it for one app disables it for all.
    """
    from flask import current_app

    return current_app.config.get("TEST_UNLIMITED", False)


@functools.cache
def _filter_limits_once() -> None:
    from elearn.extensions import limiter

    limiter.request_filter(_unlimited_when_asked)


def build_app(database_url: str, **overrides):
    from elearn import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production uses scrypt
        "JOB_RETRY_DELAYS": (0.1, 0.2),  # a failing job's retries within a test
        "JOB_QUEUE": TEST_JOB_QUEUE,
    }
    config.update(overrides)
    app = create_app(config)
    _filter_limits_once()
    app.test_client_class = _fresh_context_client()
    _BUILT_APPS.add(app)
    return app


def record_cache_commands(process, monkeypatch) -> list[tuple]:
    """The Redis commands ``process``'s cache sends from now on, each as its arguments
    (the command's name first), a pipeline as one ("PIPELINE", its commands' names): for
    counting a request's round trips."""
    client = process.extensions["elearn.cache"].client
    commands = []
    real, real_pipeline = client.execute_command, client.pipeline
    monkeypatch.setattr(client, "execute_command", lambda *args, **kw: commands.append(args) or real(*args, **kw))

    def pipeline(*args, **kw):
        pipe = real_pipeline(*args, **kw)
        sent = pipe.execute

        def execute(*a, **k):
            commands.append(("PIPELINE", *(command[0][0] for command in pipe.command_stack)))
            return sent(*a, **k)

        pipe.execute = execute
        return pipe

    monkeypatch.setattr(client, "pipeline", pipeline)
    return commands


#: Every app the tests built: their background jobs finish before a test's tables are emptied.
_BUILT_APPS: "weakref.WeakSet" = weakref.WeakSet()


def wait_for_jobs(timeout: float = 60) -> None:
    """Wait until no app of this run has a job queued or running in its own process."""
    for built in list(_BUILT_APPS):
        assert built.extensions["elearn.jobs"].wait_idle(timeout), "background jobs still running after 60 s"


def migrate_to_head(app):
    import flask_migrate

    with app.app_context():
        flask_migrate.upgrade()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request, tmp_path_factory):
    """(backend name, database URL) for a database made for this session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite"
        yield "sqlite", f"sqlite:///{path}"
    else:
        url, drop = _create_postgres_database()
        yield "postgres", url
        drop()


@pytest.fixture(scope="session")
def _session_app(backend):
    app = build_app(backend[1])
    migrate_to_head(app)
    yield app
    with app.app_context():
        from elearn.extensions import db

        db.engine.dispose()


def _empty_all_tables(app):
    from elearn.extensions import db

    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name != "postgresql":
            with db.engine.begin() as conn:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
            return
        # A reader still finishing (a live page's socket re-rendering after its test) can
        # deadlock with TRUNCATE's table locks; PostgreSQL then cancels the TRUNCATE, and it
        # goes again once that reader is done.
        from psycopg2.errors import DeadlockDetected
        from sqlalchemy.exc import OperationalError

        for attempt in range(10):
            try:
                with db.engine.begin() as conn:
                    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                return
            except OperationalError as error:
                if not isinstance(error.orig, DeadlockDetected) or attempt == 9:
                    raise


@pytest.fixture
def app(_session_app):
    """The app, inside an app context, with every table and rate-limit counter empty afterwards."""
    from elearn.cache import init_cache
    from elearn.extensions import db, limiter

    with _session_app.app_context():
        yield _session_app
        db.session.remove()
        # Jobs the test queued (email of its messages, say) finish before the tables empty.
        wait_for_jobs()
        limiter.reset()
        init_cache(_session_app)  # ids restart with the emptied tables: forget cached figures
    _empty_all_tables(_session_app)


class _ClosedAtLast:
    """A response body that is closed even when the client hangs up: Werkzeug's development
    server skips ``close()`` when reading the dropped connection fails, which leaves a
    served file (``/media``) open until the garbage collector warns about it, in whichever
    test then runs."""

    def __init__(self, body):
        self.body, self.closed = body, False
        self.iterator = iter(body)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.iterator)

    def close(self):
        if not self.closed:
            self.closed = True
            if hasattr(self.body, "close"):
                self.body.close()

    __del__ = close


def _closing_bodies(app):
    """``app`` as a WSGI callable whose response bodies are always closed (``_ClosedAtLast``)."""
    def serve(environ, start_response):
        return _ClosedAtLast(app(environ, start_response))

    return serve


@contextmanager
def serving(app):
    """Serve ``app`` on a free local port from a thread (WebSockets included)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _closing_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def _session_server(_session_app):
    with serving(_session_app) as url:
        yield url


@pytest.fixture
def server(app, _session_server):
    """The test app served over real HTTP and WebSockets; tables are emptied after."""
    return _session_server


@pytest.fixture
def received(app):
    """Every message the event bus delivers during the test."""
    messages = []
    bus = app.extensions["elearn.bus"]
    bus.subscribe(messages.append)
    yield messages
    bus.unsubscribe(messages.append)


@pytest.fixture
def db(app):
    from elearn.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Create rows for a test: ``make.user()``, ``make.course(modules=4)``, ..."""
    return Factory()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client that signs in through the real login form, CSRF token and all."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path="/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        return CSRF_RE.search(page).group(1)

    def login(self, email, password="password123", **extra):
        """Sign in; once signed in, one page is read, so that the sign-in's check is cached
        as it is for a browser that has been around (statement counts stay comparable)."""
        token = self.csrf("/login")
        answer = self.client.post("/login", data={"email": email, "password": password,
                                                  "csrf_token": token, **extra})
        if answer.status_code == 302 and "/login" not in answer.headers["Location"]:
            self.client.get("/account")
        return answer

    def post(self, path, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf("/courses"))
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def browser(client):
    return Browser(client)


class Api:
    """JSON calls with a bearer token."""

    def __init__(self, client):
        self.client = client

    def token(self, email, password="password123") -> str:
        """A new access token, used once, so that its sign-in's check is cached as it is for
        a client that has been around (statement counts stay comparable)."""
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        token = response.get_json()["accessToken"]
        self.call("GET", "/api/auth/me", token)
        return token

    def call(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, token=None, **kw):
        return self.call("GET", path, token, **kw)

    def post(self, path, token=None, **kw):
        return self.call("POST", path, token, **kw)

    def patch(self, path, token=None, **kw):
        return self.call("PATCH", path, token, **kw)

    def delete(self, path, token=None, **kw):
        return self.call("DELETE", path, token, **kw)


@pytest.fixture
def api(client):
    return Api(client)


def table_counts(db) -> dict[str, int]:
    """Rows per table: for asserting that a refused request changed nothing. Background jobs
    queued before (a badge's note and email) finish first, so only the request counts."""
    from flask import current_app

    assert current_app.extensions["elearn.jobs"].wait_idle(60), "background jobs still running after 60 s"
    names = inspect(db.engine).get_table_names()
    return {
        name: db.session.execute(text(f"SELECT count(*) FROM {name}")).scalar()
        for name in names if name != "alembic_version"
    }


@pytest.fixture
def count_queries(db):
    """``with count_queries() as statements:`` collects the SQL this thread sends inside the
    block (not a background job's, running beside it). A connection's ``PREPARE`` (once per
    connection, on whichever the pool hands out) is left out unless ``prepares=True``."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting(prepares: bool = False):
        statements: list[str] = []
        owner = threading.get_ident()
        skipped = ("SAVEPOINT", "RELEASE", "PRAGMA") + (() if prepares else ("PREPARE",))

        def record(_conn, _cursor, statement, *_args):
            if threading.get_ident() != owner:
                return
            if not statement.lstrip().upper().startswith(skipped):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting
