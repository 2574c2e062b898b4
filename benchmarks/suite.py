"""``make bench``: every step of the benchmark, in order, then the report.

1. services (benchmarks/services.sh, run by the Makefile first);
2. the dataset (dataset.py);
3. the database floors and EXPLAIN of the hot reads (sql_floor.py);
4. one production server per worker model (server.py), side by side, under wrk (wrk.py,
   lua/) with the runs alternating between them: /healthz, /readyz, the progress reads,
   course analytics warm, the instructor pages, a read of a new student each request;
   then, one request at a time from here: /healthz against single completions, and the
   cold course analytics (a 50-enrollment course and the largest) and instructor page;
   mark-completed writes under wrk, checked against a full recount of every counter;
5. the WebSocket load (websocket_load.py, a process of its own) on the production
   worker model (gevent; ``--ws-models`` for others);
6. the table on stdout, benchmarks/RESULTS.md and benchmarks/results.json (report.py).
"""
import argparse
import html
import http.client
import json
import os
import resource
import runpy
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import redis

from . import cpu, dataset, fixtures, machine, report, settings, sql_floor, wrk
from .server import Server
from .stats import summary_ms

HERE = Path(__file__).resolve().parent

def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="gthread,gevent", help="worker models to measure, in order")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per endpoint (medians reported)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--cold-samples", type=int, default=40)
    parser.add_argument("--sockets", type=int, default=10000)
    parser.add_argument("--markers", type=int, default=500)
    parser.add_argument("--ws-models", default="gevent", help="worker models given the WebSocket load")
    parser.add_argument("--sequential", type=int, default=300,
                        help="single completions (each after a /healthz) timed one at a time")
    parser.add_argument("--ws-duration", type=float, default=20, help="seconds of marking while sockets are held")
    parser.add_argument("--mark-interval", type=float, default=5.0, help="mean seconds between one student's marks")
    parser.add_argument("--writes-per-run", type=int, default=12000, help="distinct completions prepared per wrk run")
    parser.add_argument("--readers-per-run", type=int, default=6000, help="distinct students per rotating-read run")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run (1 x 3 s, 200 sockets); writes no RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.duration, args.cold_samples = 1, 3, 5
        args.sockets, args.markers, args.ws_duration = 200, 20, 5
        args.writes_per_run, args.readers_per_run, args.sequential = 4000, 2000, 50
    return args


class Clock:
    def __init__(self):
        self.started = time.monotonic()

    def echo(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.0f} s] {message}", flush=True)


def raise_open_files_limit() -> int:
    """Inherited by the server and the WebSocket client: 2,000 sockets on each side."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def cold_read(port: int, path: str, headers: dict, generation_key: str, samples: int,
              evict: tuple[str, ...] = ()) -> dict:
    """The first request after the course's cache generation moves on, ``samples`` times,
    each right after a ``/healthz`` on the same connection: the floor it is compared with
    is measured beside it, as every one-at-a-time latency is (``sequential``).

    Bumping the generation (in Redis, as a committed change to the course would) makes the
    next read compute every figure from the database; PostgreSQL's own buffers stay warm,
    so this is "cold" for the application cache, not for the database. ``evict``: keys (or
    patterns, resolved once after a first read) of cached values kept by time rather than
    generation (the at-risk baselines, a large class's kept page), deleted before each
    sample too, in one round trip: scanning the keyspace each time would keep both cores
    busy right before the /healthz.
    """
    client = redis.Redis.from_url(settings.REDIS_URL)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    if evict:
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
    evicted = [key for pattern in evict
               for key in (client.scan_iter(match=pattern, count=1000) if "*" in pattern else [pattern])]
    floor, durations, warm = [], [], []
    for _ in range(samples):
        with client.pipeline(transaction=False) as pipe:
            pipe.incr(generation_key)
            if evicted:
                pipe.delete(*evicted)
            pipe.execute()
        # /healthz, the cold read, then the same read again (warm) for contrast
        for bucket, target, target_headers in ((floor, "/healthz", {}), (durations, path, headers),
                                               (warm, path, headers)):
            started = time.perf_counter()
            conn.request("GET", target, headers=target_headers)
            response = conn.getresponse()
            response.read()
            bucket.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"{target} answered {response.status}")
    conn.close()
    return {"cold": summary_ms(durations), "next_warm": summary_ms(warm), "healthz": summary_ms(floor)}


def applied_completions(pairs: list[tuple[int, int]], since: datetime) -> tuple[int, int]:
    """Of these (enrollment, module) pairs, all open before the writes: how many are now
    completed, and how many completion events were logged for them since ``since``."""
    if not pairs:
        return 0, 0
    enrollments, modules = [e for e, _ in pairs], [m for _, m in pairs]
    with psycopg2.connect(settings.dsn()) as conn, conn.cursor() as cur:
        cur.execute("""
            SELECT count(*) FROM unnest(%s::int[], %s::int[]) AS t(e, m)
            JOIN progress p ON p.enrollment_id = t.e AND p.module_id = t.m WHERE p.completed""",
                    (enrollments, modules))
        completed = cur.fetchone()[0]
        cur.execute("""
            SELECT count(*) FROM unnest(%s::int[], %s::int[]) AS t(e, m)
            JOIN progress_events v ON v.enrollment_id = t.e AND v.module_id = t.m
            WHERE v.kind = 'completed' AND v.occurred_at >= %s""", (enrollments, modules, since))
        return completed, cur.fetchone()[0]


RECOUNT = """
    SELECT count(*) FROM enrollments e
    LEFT JOIN (SELECT enrollment_id, count(*) AS done FROM progress WHERE completed GROUP BY enrollment_id) p
           ON p.enrollment_id = e.id
    WHERE e.completed_count <> coalesce(p.done, 0)
"""
#: Modules whose counters (summed over their slots) differ from a recount of their records.
MODULE_RECOUNT = """
    SELECT count(*) FROM
      (SELECT module_id, sum(started_count) AS s, sum(completed_count) AS c, sum(completion_seconds) AS t
       FROM module_stats GROUP BY module_id HAVING sum(started_count) > 0) kept
    FULL JOIN
      (SELECT module_id, count(*) AS s, count(*) FILTER (WHERE completed) AS c,
              coalesce(sum(completion_seconds) FILTER (WHERE completed), 0) AS t
       FROM progress GROUP BY module_id) counted USING (module_id)
    WHERE kept.s IS DISTINCT FROM counted.s OR kept.c IS DISTINCT FROM counted.c
       OR kept.t IS DISTINCT FROM counted.t
"""


def counter_state() -> dict:
    """Completed records and completion events now, and enrollments whose counter disagrees
    with a full recount of their records."""
    with psycopg2.connect(settings.dsn()) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM progress WHERE completed")
        completed = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM progress_events WHERE kind = 'completed'")
        events = cur.fetchone()[0]
        started = time.perf_counter()
        cur.execute(RECOUNT)
        mismatches = cur.fetchone()[0]
        cur.execute(MODULE_RECOUNT)
        module_mismatches = cur.fetchone()[0]
        return {"completed_records": completed, "completed_events": events, "mismatches": mismatches,
                "module_mismatches": module_mismatches, "recount_seconds": round(time.perf_counter() - started, 2)}


def configured_defaults() -> dict:
    """gunicorn.conf.py's defaults, read from the file itself with no overrides."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("ELEARN_")}
    try:
        conf = runpy.run_path(str(HERE.parent / "gunicorn.conf.py"))
    finally:
        os.environ.update(saved)
    return {k: conf[k] for k in ("worker_class", "threads", "worker_connections", "workers")}


class Suite:
    def __init__(self, args):
        self.args = args
        self.clock = Clock()
        self.echo = self.clock.echo
        self.workdir = Path(tempfile.mkdtemp(prefix="elearn-bench-"))
        self.channel = f"elearn-bench:{os.getpid()}:{int(time.time())}"
        self.env = settings.app_environment(settings.new_secret_key(), self.channel)
        self.models = [m.strip() for m in args.models.split(",") if m.strip()]
        self.results: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                              "config": dict(vars(args)), "load": [],
                              "models": {m: {} for m in self.models}}
        self.cookie = None
        self.servers: dict[str, Server] = {}

    def note_load(self, phase: str) -> None:
        own = {pid for server in self.servers.values() if server.process for pid in
               [server.process.pid, *server.worker_pids()]}
        self.results["load"].append({"phase": phase, "loadavg": machine.load_average(),
                                     "others": machine.other_busy_processes(own)})

    # --- preparation -----------------------------------------------------------------

    def prepare(self) -> None:
        args = self.args
        self.results["open_files_limit"] = raise_open_files_limit()
        self.results["machine"] = machine.describe()
        self.results["gunicorn_conf_defaults"] = configured_defaults()
        self.note_load("start")
        self.echo("dataset")
        self.results["dataset_setup"] = dataset.ensure_dataset(self.env, echo=self.echo)
        self.results["dataset_setup"].update(scale=settings.SCALE, database=settings.BENCH_DATABASE,
                                             students=settings.STUDENTS, courses=settings.COURSES)
        self.results["dataset"] = dataset.dataset_sizes()

        self.echo("choosing subjects and minting tokens")
        s = self.subjects = fixtures.choose_subjects(args.seed)
        self.minter = fixtures.TokenMinter(self.env)
        self.student_token = self.minter.tokens([s.student_id])[s.student_id]
        self.instructor_token = self.minter.tokens([s.instructor_id], "instructor")[s.instructor_id]
        self.results["subjects"] = {k: v for k, v in vars(s).items() if k != "pool"}

        # WebSocket students: the markers need open modules for every WebSocket run.
        self.markers = fixtures.students_with_open_work(s.pool[:50000], minimum=45, count=args.markers)
        marker_set = set(self.markers)
        s.pool = [u for u in s.pool if u not in marker_set]
        self.subscribers = self.markers + s.take(args.sockets - len(self.markers))
        self.subscriber_tokens = self.minter.tokens(self.subscribers)
        # Rotating readers come from the other end of the pool than the writers.
        self.readers = list(reversed(s.pool))

        bearer = {"Authorization": f"Bearer {self.student_token}"}
        teacher = {"Authorization": f"Bearer {self.instructor_token}"}
        c = s.course_id
        self.reads = {
            "overall": ("/api/progress/overall", bearer, None),
            "course": (f"/api/progress/course/{s.enrollment_id}", bearer, None),
            "analytics": (f"/api/analytics/courses/{c}", teacher, None),
            "teach_course": (f"/teach/courses/{c}", {}, s.instructor_id),
            "teach_students": (f"/teach/courses/{c}/students", {}, s.instructor_id),
        }
        self.echo("database floors (raw SQL through psycopg2) and EXPLAIN")
        captured = sql_floor.capture(self.minter, self.reads)
        self.results["statements"] = {name: len(read.replayed) for name, read in captured.items()}
        self.results["statements"].update(self.write_statements())
        floors, plans = {}, {}
        for name, read in captured.items():
            if read.status != 200:
                raise RuntimeError(f"{read.path} answered {read.status} in-process")
            floors[name] = sql_floor.time_floor(read, sql_floor.iterations_for(read, budget_seconds=3.0))
            floors[name]["sql"] = [statement for statement, _ in read.replayed]
        for name in ("overall", "course", "analytics", "teach_students"):
            plans[name] = [vars(p) | {"seq_scan_of_progress": p.seq_scan_of_progress}
                           for p in sql_floor.explain(captured[name])]
        self.results["floors"], self.results["plans"] = floors, plans

    def write_statements(self) -> dict:
        """SQL statements of mark-completed, in-process: a learner's first completion of
        the day (the badge check) and a second one. A connection's first write also sends
        ``PREPARE`` (once per connection, not per request): not counted."""
        from sqlalchemy import event

        from elearn.extensions import db

        (user,) = self.subjects.take(1)
        items = fixtures.open_modules([user])[user][:2]
        token = self.minter.tokens([user])[user]
        counts, sent = {}, []

        def record(_conn, _cursor, statement, *_args):
            sent.append(statement)

        app = self.minter.app
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            client = app.test_client()
            for name, (enrollment, module) in zip(("write_first_today", "write_later"), items, strict=False):
                sent.clear()
                response = client.post(f"/api/progress/mark-completed/{enrollment}/{module}",
                                       headers={"Authorization": f"Bearer {token}"})
                if response.status_code != 200:
                    raise RuntimeError(f"mark-completed answered {response.status_code} in-process")
                counts[name] = len([statement for statement in sent if not statement.startswith("PREPARE")])
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return counts

    # --- HTTP: every model's server up at once, runs interleaved -----------------------

    def start_servers(self) -> None:
        """One server per model, as gunicorn.conf.py configures it but for the worker class.
        They run side by side (the idle one costs nothing) so that runs can alternate
        between them: whatever else the machine does then weighs on both alike."""
        for model in self.models:
            server = Server(self.env, model, self.workdir / f"gunicorn-{model}.log")
            self.echo(f"{model}: starting gunicorn on port {server.port}")
            server.start()
            self.servers[model] = server
            defaults = self.results["gunicorn_conf_defaults"]
            self.results["models"][model]["server"] = {
                "threads": defaults["threads"] if model == "gthread" else None,
                "worker_connections": defaults["worker_connections"], "worker_pids": server.worker_pids()}
        first = next(iter(self.servers.values()))
        self.cookie = fixtures.browser_session(first.port, self.subjects.instructor_email, settings.PASSWORD)
        for server in self.servers.values():
            self.check_reads(server)

    def check_reads(self, server: Server) -> None:
        """Every measured URL answers 200 with the real page or document before wrk runs."""
        for path, headers, session_user in self.reads.values():
            if session_user is not None:
                headers = {"Cookie": self.cookie}
            status, body = get(server.port, path, headers)
            title = html.escape(self.subjects.course_title).encode()
            if status != 200 or (session_user is not None and title not in body):
                raise RuntimeError(f"{path} answered {status} (signed in?): {body[:200]!r}")

    def alternate(self, label: str, path: str, script: str, env_for) -> dict[str, dict]:
        """``runs`` wrk runs per model, alternating between the models' servers."""
        args = self.args
        self.echo(f"wrk {label} ({args.runs} x {args.duration:g} s per model, alternating)")
        runs = {model: [] for model in self.servers}
        for i in range(args.runs):
            for model, server in self.servers.items():
                meter = cpu.Meter(server.worker_pids(), settings.BENCH_DATABASE)
                runs[model].append(wrk.measured_run(server.base_url + path, args.duration, args.connections,
                                                    args.threads, script, env_for(model, i), meter))
        return {model: wrk.combine(found) for model, found in runs.items()}

    def http_phase(self) -> None:
        endpoints = [("healthz", "/healthz", {}), ("readyz", "/readyz", {})] + [
            (name, path, {"BENCH_COOKIE": self.cookie} if session_user else
             {"BENCH_TOKEN": headers["Authorization"].split(" ", 1)[1]})
            for name, (path, headers, session_user) in self.reads.items()]
        reads = {model: {} for model in self.servers}
        for name, path, env in endpoints:
            for model, combined in self.alternate(f"{name} {path}", path, "get.lua", lambda m, i, env=env: env).items():
                reads[model][name] = combined
            self.note_load(f"after {name}")
        for model, combined in self.alternate("overall progress, a different student each request", "/",
                                              "rotate.lua", self.rotating_reads).items():
            reads[model]["overall_rotating"] = combined
        for model in self.servers:
            self.results["models"][model]["reads"] = reads[model]
        self.note_load("after overall_rotating")

        self.echo(f"one request at a time, each after a /healthz: {self.args.sequential} of each read and "
                  f"{self.args.sequential} completions; "
                  f"cold analytics and instructor page, {self.args.cold_samples} samples each")
        for model, server in self.servers.items():
            self.results["models"][model]["sequential"] = self.sequential(server)
            self.results["models"][model]["cold_analytics"] = self.cold(server)

        self.writes()
        self.note_load("after writes")

    def rotating_reads(self, model: str, run: int) -> dict:
        count = self.args.readers_per_run
        users, self.readers = self.readers[:count], self.readers[count:]
        tokens = self.minter.tokens(users)
        path = self.workdir / f"reads-{model}-{run}.lua"
        fixtures.lua_request_list(str(path), [("GET", "/api/progress/overall", tokens[u]) for u in users])
        return {"BENCH_REQUESTS": str(path)}

    def cold(self, server: Server) -> dict:
        """Cold analytics of the largest course and of the 50-enrollment one, and the
        largest course's instructor page, each right after its course's cache moved on."""
        s, samples = self.subjects, self.args.cold_samples
        key = f"{self.channel}:cache:gen:course:{{}}"
        path, headers, _ = self.reads["analytics"]
        small_token = self.minter.tokens([s.small_instructor_id], "instructor")[s.small_instructor_id]
        return {
            **cold_read(server.port, path, headers, key.format(s.course_id), samples),
            "small": cold_read(server.port, f"/api/analytics/courses/{s.small_course_id}",
                               {"Authorization": f"Bearer {small_token}"}, key.format(s.small_course_id), samples),
            # (a large class's page is kept through its course's changes for half a minute:
            # cold is the page rendered again, so the kept pages are deleted too)
            "teach_course": cold_read(server.port, self.reads["teach_course"][0], {"Cookie": self.cookie},
                                      key.format(s.course_id), samples,
                                      evict=(f"{self.channel}:cache:page:teach-course*",)),
            # the page's student list, as the page fetches it when scrolled to (htmx)
            "teach_list": cold_read(server.port, self.reads["teach_course"][0],
                                    {"Cookie": self.cookie, "HX-Request": "true"}, key.format(s.course_id), samples),
            "at_risk": cold_read(server.port, f"/api/analytics/courses/{s.course_id}/at-risk", headers,
                                 key.format(s.course_id), samples,
                                 evict=(f"{self.channel}:cache:at-risk-baselines:{s.course_id}",
                                        f"{self.channel}:cache:course-pace:{s.course_id}")),
            # what an instructor meets in production, where the at-risk job keeps the
            # baselines and pace (every 15 minutes): only the course's generation moved on
            "at_risk_kept": cold_read(server.port, f"/api/analytics/courses/{s.course_id}/at-risk", headers,
                                      key.format(s.course_id), samples),
        }

    def sequential(self, server: Server) -> dict:
        """One keep-alive connection, one request at a time, each after a /healthz (the
        targets' own method: interleaved request by request): every read of the wrk table
        (warm), overall progress of a new student each time, and completions (each a
        different learner's first completion of an open module)."""
        items = fixtures.one_open_module_each(self.subjects.take(self.args.sequential))
        tokens = self.minter.tokens([user for user, _, _ in items])
        self.minter.keep_what_a_worker_keeps()
        newcomers = self.readers[:self.args.sequential]
        self.readers = self.readers[self.args.sequential:]
        newcomer_tokens = self.minter.tokens(newcomers)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        timings: dict[str, list[float]] = {"healthz": []}

        def timed(bucket: str, method: str, path: str, headers: dict) -> None:
            for name, m, p, h in (("healthz", "GET", "/healthz", {}), (bucket, method, path, headers)):
                started = time.perf_counter()
                conn.request(m, p, headers=h)
                response = conn.getresponse()
                response.read()
                timings.setdefault(name, []).append(time.perf_counter() - started)
                if response.status != 200:
                    raise RuntimeError(f"{m} {p} answered {response.status}")

        reads = {name: (path, {"Cookie": self.cookie} if session_user else headers)
                 for name, (path, headers, session_user) in self.reads.items()}
        for path, headers in reads.values():  # the warm reads' first, cold, answer is not theirs
            timed("warmup", "GET", path, headers)
        for user in newcomers:
            for name, (path, headers) in reads.items():
                timed(name, "GET", path, headers)
            timed("overall_rotating", "GET", "/api/progress/overall", {"Authorization": f"Bearer {newcomer_tokens[user]}"})
        for user, enrollment, module in items:
            timed("completion", "POST", f"/api/progress/mark-completed/{enrollment}/{module}",
                  {"Authorization": f"Bearer {tokens[user]}"})
        conn.close()
        timings.pop("warmup")
        return {name: summary_ms(durations) for name, durations in timings.items()}

    def writes(self) -> None:
        """mark-completed under wrk, each run a fresh list of first completions; then the
        checks: what each model's requests changed, and a full recount of every counter."""
        args = self.args
        prepared: dict[str, list[tuple[int, int]]] = {model: [] for model in self.servers}
        since = datetime.now(UTC)

        def fresh_writes(model: str, run: int) -> dict:
            items = fixtures.one_open_module_each(self.subjects.take(args.writes_per_run))
            tokens = self.minter.tokens([user for user, _, _ in items])
            self.minter.keep_what_a_worker_keeps()
            prepared[model] += [(enrollment, module) for _, enrollment, module in items]
            path = self.workdir / f"writes-{model}-{run}.lua"
            fixtures.lua_request_list(str(path), [
                ("POST", f"/api/progress/mark-completed/{enrollment}/{module}", tokens[user])
                for user, enrollment, module in items])
            return {"BENCH_REQUESTS": str(path)}

        measured = self.alternate("mark-completed, distinct first completions", "/", "rotate.lua", fresh_writes)
        counters = counter_state()
        for model, m in measured.items():
            applied, events = applied_completions(prepared[model], since)
            m.update({
                "prepared": len(prepared[model]),
                "sent": sum(r.get("sent", 0) for r in m["runs"]),
                "wrapped": sum(r.get("wrapped", 0) for r in m["runs"]),
                "succeeded": m["requests"] - m["errors"],
                "records_completed": applied, "events_logged": events, "counters_after": counters,
            })
            # A request wrk wrote just before a run ended is answered after it stopped
            # counting: the records completed lie between the answered and the sent requests.
            m["exact"] = (counters["mismatches"] == 0 and m["wrapped"] == 0 and applied == events
                          and m["succeeded"] <= applied <= m["sent"])
            self.results["models"][model]["writes"] = m

    # --- WebSockets -------------------------------------------------------------------

    def websockets(self, server: Server, label: str) -> dict:
        args = self.args
        open_work = fixtures.open_modules(self.markers)
        self.minter.keep_what_a_worker_keeps()
        plan = {
            "base_url": server.base_url, "port": server.port, "worker_pids": server.worker_pids(),
            "subscribers": {str(u): self.subscriber_tokens[u] for u in self.subscribers},
            "markers": [{"userId": u, "token": self.subscriber_tokens[u], "tasks": open_work[u]}
                        for u in self.markers],
            "duration": args.ws_duration, "mark_interval": args.mark_interval, "seed": args.seed,
            "connect_rate": 200, "connect_timeout": 15.0, "request_timeout": 10.0,
            "settle": 2.0, "grace": 5.0,
        }
        plan_path, result_path = self.workdir / f"ws-{label}.json", self.workdir / f"ws-{label}-result.json"
        plan_path.write_text(json.dumps(plan))
        self.echo(f"{label}: {len(self.subscribers):,} WebSockets, {len(self.markers)} students marking "
                  f"for {args.ws_duration:g} s")
        subprocess.run([sys.executable, "-m", "benchmarks.websocket_load", str(plan_path), str(result_path)],
                       check=True, timeout=600, cwd=HERE.parent)
        result = json.loads(result_path.read_text())
        self.echo(f"{label}: held {result['connected']}/{result['attempted']}, dropped {result['dropped']}, "
                  f"events {result['events_received']}/{result['events_expected']}, "
                  f"delay p50 {result['event_delay_ms']['p50']} ms p99 {result['event_delay_ms']['p99']} ms")
        return result

    def websocket_phase(self) -> None:
        """The socket load on the production worker model (gevent): gthread holds a thread
        per socket, so as configured (256 threads per worker) it cannot hold 10,000, and
        measured earlier with a thread for each of 2,000 it was slower (benchmarks/analysis.md)."""
        ws_models = [m.strip() for m in self.args.ws_models.split(",") if m.strip() in self.servers]
        for model in sorted(ws_models, key=lambda m: m == "gthread"):
            self.results["models"][model]["websocket"] = self.websockets(self.servers[model], model)
            self.note_load(f"after {model} WebSockets")
        self.stop_servers()
        self.results["counters_at_end"] = counter_state()

    def stop_servers(self) -> None:
        for model, server in self.servers.items():
            self.results["models"][model]["server_problems"] = server.log_problems()[:20]
            server.stop()

    def forget_cache(self) -> None:
        """Delete this run's keys from Redis: its channel is its own, and the cache's
        generation counters never expire; and the jobs its servers queued."""
        from rq import Queue

        client = redis.Redis.from_url(settings.REDIS_URL)
        Queue(self.env["ELEARN_JOB_QUEUE"], connection=client).empty()
        batch = []
        for key in client.scan_iter(match=f"{self.channel}:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)

    # --- all of it ---------------------------------------------------------------------

    def run(self) -> int:
        try:
            self.prepare()
            self.start_servers()
            self.http_phase()
            self.websocket_phase()
        except BaseException:
            partial = self.workdir / "results-partial.json"
            partial.write_text(json.dumps(self.results, indent=2, default=str))
            print(f"bench failed; what was measured so far is in {partial}", file=sys.stderr)
            raise
        finally:
            for server in self.servers.values():
                server.stop()
            self.forget_cache()
        self.note_load("end")
        self.results["seconds"] = round(time.monotonic() - self.clock.started, 1)
        text = report.render(self.results)
        print(report.console_table(self.results))
        if self.args.quick:
            (self.workdir / "results.json").write_text(json.dumps(self.results, indent=2, default=str))
            print(f"quick run: no RESULTS.md written; raw results and server logs in {self.workdir}")
        else:
            results_json, results_md = report.result_files(settings.SCALE)
            results_json.write_text(json.dumps(self.results, indent=2, default=str))
            results_md.write_text(text)
            print(f"wrote {results_md} and {results_json}; server logs in {self.workdir}; "
                  f"{self.results['seconds'] / 60:.1f} minutes")
        return 0


def main(argv=None) -> int:
    return Suite(parse_args(sys.argv[1:] if argv is None else argv)).run()
