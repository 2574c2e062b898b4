"""The database floor of each read, and EXPLAIN of its statements.

Each read endpoint is requested once through the app in this process (Flask's test
client, cache disabled) and every SQL statement it sends is captured with its parameters,
exactly as psycopg2 received it. The floor is those statements replayed straight through
psycopg2, one connection, no ORM, no HTTP, no cache: what computing that answer costs the
database alone (including the request's one-row user lookup). EXPLAIN (ANALYZE, BUFFERS)
runs on the same statements, so the plans shown are the plans the app gets.
"""
import re
import time
from dataclasses import dataclass, field

import psycopg2
from sqlalchemy import event

from . import settings
from .stats import summary_ms


@dataclass
class CapturedRead:
    name: str
    path: str
    status: int
    statements: list[tuple[str, dict]] = field(default_factory=list)
    #: Every ``PREPARE`` the app sent while capturing (each connection prepares a statement
    #: once, so a read may run one another read prepared): run on each replay connection.
    prepares: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def replayed(self) -> list[tuple[str, dict]]:
        return [(statement, parameters) for statement, parameters in self.statements
                if not statement.lstrip().upper().startswith("PREPARE")]


def capture(minter, reads: dict[str, tuple[str, dict, int | None]]) -> dict[str, CapturedRead]:
    """``reads``: name -> (path, headers, session user id or None); ``minter`` (a
    ``fixtures.TokenMinter``) holds the app and starts the session users' sign-ins."""
    from elearn.extensions import db

    app = minter.app
    app.config["CACHE_ENABLED"] = False
    captured: dict[str, CapturedRead] = {}
    current: list[tuple[str, dict]] | None = None

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        if current is not None:
            current.append((statement, dict(parameters or {})))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for name, (path, headers, session_user) in reads.items():
            client = app.test_client()
            if session_user is not None:
                with client.session_transaction() as session:
                    ((user_id, sign_in_id, _jti),) = minter.sign_ins([session_user], "browser")
                    session["_user_id"] = f"s{sign_in_id}.{user_id}"  # Flask-Login's id: the sign-in
                    session["_fresh"] = True
            current = []
            response = client.get(path, headers=headers)
            captured[name] = CapturedRead(name, path, response.status_code, current)
            current = None
    finally:
        event.remove(engine, "before_cursor_execute", record)
        app.config["CACHE_ENABLED"] = True
    prepares = list({statement: (statement, parameters) for read in captured.values()
                     for statement, parameters in read.statements
                     if statement.lstrip().upper().startswith("PREPARE")}.values())
    for read in captured.values():
        read.prepares = prepares
    return captured


def _replay_connection(read: CapturedRead):
    """A connection set up as the app's are: generic plans, its statements prepared."""
    conn = psycopg2.connect(settings.dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET plan_cache_mode = force_generic_plan")
        for statement, parameters in read.prepares:
            cur.execute(statement, parameters)
    return conn


def time_floor(read: CapturedRead, iterations: int, warmup: int = 3) -> dict:
    """Replay the read's statements ``iterations`` times; per-iteration wall time."""
    conn = _replay_connection(read)
    try:
        with conn.cursor() as cur:
            durations = []
            for i in range(warmup + iterations):
                started = time.perf_counter()
                for statement, parameters in read.replayed:
                    cur.execute(statement, parameters)
                    cur.fetchall()
                if i >= warmup:
                    durations.append(time.perf_counter() - started)
    finally:
        conn.close()
    return {**summary_ms(durations), "statements": len(read.replayed)}


def iterations_for(read: CapturedRead, budget_seconds: float) -> int:
    """As many iterations as fit in the budget (one probe run), between 10 and 1,000."""
    probe = time_floor(read, iterations=3, warmup=1)
    each = max(probe["p50"] / 1000, 1e-5)
    return int(max(10, min(1000, budget_seconds / each)))


@dataclass
class Plan:
    statement: str
    text: str
    seq_scans: list[str]

    @property
    def seq_scan_of_progress(self) -> bool:
        return "progress" in self.seq_scans


SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


def explain(read: CapturedRead) -> list[Plan]:
    plans = []
    conn = _replay_connection(read)
    try:
        with conn.cursor() as cur:
            for statement, parameters in read.replayed:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                text = "\n".join(row[0] for row in cur.fetchall())
                rendered = cur.mogrify(statement, parameters).decode()
                plans.append(Plan(rendered, text, sorted(set(SEQ_SCAN.findall(text)))))
    finally:
        conn.close()
    return plans
