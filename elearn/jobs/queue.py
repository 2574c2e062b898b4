"""Background jobs: RQ on Redis, or a thread of this process without it.

- ``enqueue(task, *args)`` runs ``task(*args)`` soon, in an app context, its session
  committed when it returns and rolled back when it raises. Arguments are JSON values
  (ids, not rows): the row may have changed by the time the job runs.
- ``on_event(app, type, task)`` runs ``task(event)`` for every committed event of that type,
  queued by the process that committed it (once, whatever the number of listeners).
- ``schedule(app, task, every=seconds)`` runs ``task()`` periodically; with several
  schedulers (worker processes) a Redis lock lets one of them queue each run.
- A task that raises is tried again after each of ``JOB_RETRY_DELAYS`` seconds (default
  30 s, 2 min, 10 min). When the last attempt fails, it joins the dead-letter list
  (``FailedJob``), where an admin reads the error and queues it again.
- Tasks must be idempotent: a retry repeats whatever the failed attempt did before it
  raised. Email is (``mail.outbox`` keys each message and sends it once).

With ``REDIS_URL`` jobs go to the RQ queue ``JOB_QUEUE``, and ``flask --app elearn worker``
runs them and the periodic tasks (run it beside gunicorn). Without it, a daemon thread of
the process that queued them runs them, and the periodic tasks start with the first
request: ``make run`` sends everything with no other service.

Jobs on Redis are written as JSON, not RQ's default pickle: whoever can write to Redis can
queue a job, which runs only an elearn task (``perform``), but cannot make the worker run
code as it reads one.
"""
import heapq
import itertools
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable

from flask import Flask, current_app
from werkzeug.utils import import_string

from ..events import committed
from ..extensions import db
from .models import FailedJob

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (30, 120, 600)
#: The event of a dead-letter job retried (``dead_letters.retry``): once it is committed, the
#: job's ``task`` is queued again with its ``args``.
RETRIED = "job.retried"
#: How long one attempt may run before RQ stops it.
JOB_TIMEOUT_SECONDS = 600
#: Longer than the RQ worker's blocking wait for a job (its TTL, 420 s, less 15).
WORKER_SOCKET_TIMEOUT = 430


def task_name(task: Callable) -> str:
    return f"{task.__module__}.{task.__qualname__}"


def runner():
    """This app's job runner (``RQRunner`` or ``ThreadRunner``)."""
    return current_app.extensions["elearn.jobs"]


def enqueue(task: Callable, *args) -> None:
    runner().enqueue(task_name(task), list(args))


def on_event(app: Flask, event_type: str, task: Callable, when: Callable[[dict], bool] | None = None) -> None:
    """Run ``task(event)`` in the background for each committed event of ``event_type``
    (only those for which ``when(event)`` holds, if given: it runs as the writer commits)."""
    app.extensions["elearn.jobs"].subscriptions.setdefault(event_type, []).append((task_name(task), when))


def schedule(app: Flask, task: Callable, every: int) -> None:
    app.extensions["elearn.jobs"].periodic[task_name(task)] = every


def perform(name: str, args: list) -> None:
    """One attempt at a job, in the current app context, in a session of its own. Only
    elearn's own functions run: a name read back from Redis or the dead-letter list names
    nothing else."""
    if not name.startswith("elearn."):
        raise ValueError(f"not a task of elearn: {name}")
    try:
        import_string(name)(*args)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


def record_failure(name: str, args: list, attempts: int, error: str) -> None:
    """Put a job that failed for good on the dead-letter list (or, with the database down
    too, in the log only)."""
    log.error("job %s%r failed after %d attempts:\n%s", name, tuple(args), attempts, error)
    try:
        db.session.add(FailedJob(task=name, args=args, attempts=attempts, error=error[-20_000:]))
        db.session.commit()
    except Exception:  # noqa: BLE001  (the error is logged above; nothing else can keep it)
        log.exception("could not add job %s to the dead-letter list", name)
        db.session.rollback()
    finally:
        db.session.remove()


class Runner:
    """What both runners share: the event subscriptions and the periodic tasks."""

    def __init__(self, app: Flask, listen: bool = True):
        self.app = app
        self.delays = tuple(app.config.get("JOB_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))
        self.subscriptions: dict[str, list[tuple[str, Callable[[dict], bool] | None]]] = {}
        self.periodic: dict[str, int] = {}
        self._next_run: dict[str, float] = {}
        if listen:
            committed.connect(self._queue_for_events, sender=app, weak=False)

    def enqueue(self, name: str, args: list) -> None:
        raise NotImplementedError

    def _queue_for_events(self, app, messages):
        """Each task subscribed to an event's type gets the event with an ``eventId`` of its
        own: the same in every retry of the job, so what it sends can be recognised."""
        for message in messages:
            if message.get("type") == RETRIED:
                self.enqueue(message["task"], message["args"])
            names = [name for name, when in self.subscriptions.get(message.get("type"), ())
                     if when is None or when(message)]
            if names:
                event = {**message, "eventId": uuid.uuid4().hex}
                for name in names:
                    self.enqueue(name, [event])

    def due_periodic(self) -> tuple[list[str], float]:
        """The periodic tasks due now (each then waits its interval), and the seconds until
        the next one is."""
        now = time.monotonic()
        due = []
        for name, every in self.periodic.items():
            if self._next_run.get(name, now) <= now:
                due.append(name)
                self._next_run[name] = now + every
        wait = min((self._next_run[name] - now for name in self.periodic), default=60.0)
        return due, max(wait, 0.0)

    def claim_periodic(self, name: str) -> bool:
        """Whether this scheduler queues this run of ``name`` (always, alone)."""
        return True


class ThreadRunner(Runner):
    """Jobs in a daemon thread of this process, one at a time, retried from a timed heap."""

    def __init__(self, app: Flask, listen: bool = True):
        super().__init__(app, listen)
        self._heap: list = []  # (due, sequence, name, args, attempt)
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._running = False
        self._scheduling = False

    def enqueue(self, name: str, args: list, attempt: int = 1, delay: float = 0.0) -> None:
        with self._changed:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._order), name, args, attempt))
            self._start()
            self._changed.notify_all()

    def start_schedule(self) -> None:
        """Run the periodic tasks from now on (called before every request; the first starts them)."""
        if self._scheduling:
            return
        with self._changed:
            if not self._scheduling and self.periodic:
                self._scheduling = True
                self._start()
                self._changed.notify_all()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="elearn-jobs", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._changed:
                while True:
                    wait = 3600.0
                    if self._scheduling:
                        names, wait = self.due_periodic()
                        for name in names:
                            heapq.heappush(self._heap, (time.monotonic(), next(self._order), name, [], 1))
                    if self._heap and self._heap[0][0] <= time.monotonic():
                        _, _, name, args, attempt = heapq.heappop(self._heap)
                        self._running = True
                        break
                    if self._heap:
                        wait = min(wait, self._heap[0][0] - time.monotonic())
                    self._changed.wait(timeout=max(wait, 0.01))
            try:
                self._attempt(name, args, attempt)
            finally:
                with self._changed:
                    self._running = False
                    self._changed.notify_all()

    def _attempt(self, name: str, args: list, attempt: int) -> None:
        with self.app.app_context():
            try:
                perform(name, args)
            except Exception:  # noqa: BLE001  (any failure is retried, then kept for an admin)
                if attempt <= len(self.delays):
                    log.warning("job %s failed (attempt %d); retrying in %s s", name, attempt, self.delays[attempt - 1],
                                exc_info=True)
                    self.enqueue(name, args, attempt + 1, self.delays[attempt - 1])
                else:
                    record_failure(name, args, attempt, traceback.format_exc())

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is queued, waiting to be retried or running (tests)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._heap or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(timeout=min(left, 0.5))
        return True


class RQRunner(Runner):
    """Jobs on the RQ queue ``JOB_QUEUE``; ``flask --app elearn worker`` runs them. While
    Redis cannot be reached, jobs run in a thread of this process instead, so that a
    request never fails (nor an email goes missing) for want of the queue."""

    def __init__(self, app: Flask, url: str):
        super().__init__(app)
        from redis import Redis
        from rq import Queue
        from rq.serializers import JSONSerializer

        self.queue = Queue(app.config.get("JOB_QUEUE", "elearn"), serializer=JSONSerializer,
                           connection=Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))
        self.fallback = ThreadRunner(app, listen=False)

    def enqueue(self, name: str, args: list) -> None:
        from redis import RedisError
        from rq import Callback, Retry

        try:
            self.queue.enqueue(perform, name, args, description=name, job_timeout=JOB_TIMEOUT_SECONDS,
                               retry=Retry(max=len(self.delays), interval=list(self.delays)) if self.delays else None,
                               on_failure=Callback(_rq_failed))
        except RedisError as error:
            log.warning("job queue unreachable (%s): running %s in this process", error, name)
            self.fallback.enqueue(name, args)

    def wait_idle(self, timeout: float) -> bool:
        """Wait for the jobs this process runs itself (Redis was unreachable)."""
        return self.fallback.wait_idle(timeout)

    def claim_periodic(self, name: str) -> bool:
        every = self.periodic[name]
        key = f"{self.queue.name}:periodic:{name}"
        return bool(self.queue.connection.set(key, "1", nx=True, ex=max(every - 1, 1)))


def _rq_failed(job, connection, kind, value, trace) -> None:
    """RQ's failure callback: after the last attempt, the job joins the dead-letter list."""
    if job.retries_left:
        return  # RQ tries it again
    name, args = job.args
    attempts = len(job.retry_intervals or ()) + 1
    record_failure(name, args, attempts, "".join(traceback.format_exception(kind, value, trace)))


def init_jobs(app: Flask) -> None:
    """The runner; without Redis, the periodic tasks start with the first request (not in
    tests, which run them by hand, nor in CLI commands such as ``db upgrade``)."""
    url = app.config.get("REDIS_URL")
    jobs = app.extensions["elearn.jobs"] = RQRunner(app, url) if url else ThreadRunner(app)
    if isinstance(jobs, ThreadRunner) and app.config.get("JOB_SCHEDULER", not app.testing):
        app.before_request(jobs.start_schedule)


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Run RQ's worker on this app's queue, and the periodic tasks in a thread beside it."""
    from redis import Redis
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    jobs = app.extensions["elearn.jobs"]
    stop = threading.Event()

    def scheduler():
        while not stop.is_set():
            names, wait = jobs.due_periodic()
            for name in names:
                if jobs.claim_periodic(name):
                    jobs.enqueue(name, [])
            stop.wait(min(wait, 60.0))

    thread = threading.Thread(target=scheduler, name="elearn-scheduler", daemon=True)
    thread.start()
    # The worker waits for jobs in a blocking read of minutes: its connection must not give
    # up after redis-py's few seconds.
    connection = Redis.from_url(app.config["REDIS_URL"], socket_timeout=WORKER_SOCKET_TIMEOUT)
    try:
        # One process runs its jobs itself (no fork per job): the app and its connection
        # pool stay warm, and the app context the CLI pushed is the jobs' context.
        SimpleWorker([Queue(jobs.queue.name, connection=connection, serializer=JSONSerializer)],
                     connection=connection, serializer=JSONSerializer).work(burst=burst, with_scheduler=True)
    finally:
        stop.set()
