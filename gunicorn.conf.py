"""Production server settings: ``gunicorn -c gunicorn.conf.py wsgi:app`` (``make serve``).

Worker model: gevent (benchmarks/RESULTS.md: on two workers gevent holds 10,000
WebSockets with events delivered in milliseconds and serves more HTTP requests a second;
gthread's threads cap the sockets it can hold and starve HTTP once they are taken).

- gevent: every connection is a greenlet (so is simple-websocket's reader);
  ``worker_connections`` bounds the sockets one worker holds, and psycopg2 is made
  cooperative in ``post_fork`` so a query in flight lets the worker's other requests run.
- gthread (``ELEARN_WORKER_CLASS=gthread``): each WebSocket holds a thread (two, with
  its reader) for its lifetime, so ``threads`` bounds the sockets one worker can hold, and
  HTTP requests wait for a thread once sockets hold them all.

Without ``REDIS_URL`` the event bus and the cache live inside one process, so a second
worker would neither hear the first one's changes nor see its invalidations: open pages
would miss updates and fresh loads could show old figures. So without Redis this runs one
worker, and refuses to start if more are asked for (set ``REDIS_URL`` to run several).

Every setting can be overridden with the environment variables below.
"""
import multiprocessing
import os

bind = os.environ.get("ELEARN_BIND", "127.0.0.1:8000")
if os.environ.get("REDIS_URL"):
    workers = int(os.environ.get("ELEARN_WORKERS", multiprocessing.cpu_count()))
elif int(os.environ.get("ELEARN_WORKERS", "1")) != 1:
    raise SystemExit("elearn: several workers need REDIS_URL (a shared event bus and cache); "
                     "without it, run one worker (unset ELEARN_WORKERS).")
else:
    workers = 1
worker_class = os.environ.get("ELEARN_WORKER_CLASS", "gevent")
threads = int(os.environ.get("ELEARN_THREADS", "256"))  # gthread only
# Open connections (kept-alive HTTP and WebSockets) one worker accepts: gevent's pool size;
# for gthread the connections kept alive beyond its threads. The kernel decides which
# worker accepts each connection, so one worker may get most of them: each can take
# 10,000 (the process needs an open-files limit above that: ``ulimit -n``).
worker_connections = int(os.environ.get("ELEARN_WORKER_CONNECTIONS", "10000"))
# WebSockets stay open for hours; a request that stops answering for this long is stuck.
timeout = int(os.environ.get("ELEARN_TIMEOUT", "120"))
graceful_timeout = 10
keepalive = 5
max_requests = 0  # recycling workers would drop every socket they hold
accesslog = os.environ.get("ELEARN_ACCESS_LOG") or None
# The path without its query string: /api/ws?token=… must not write a token to the log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
errorlog = "-"
raw_env = ["ELEARN_ENV=production"]


def post_fork(server, worker):
    """gevent: psycopg2 waits for PostgreSQL through gevent (psycogreen), not by blocking
    the worker's only thread; gunicorn's gevent worker monkey-patches everything else."""
    if "gevent" in server.cfg.worker_class_str:
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()


def post_worker_init(worker):
    """Full garbage collections walk only what is new, not the app and every socket held
    (``elearn/garbage_collection.py``: they stopped a worker of 5,000 sockets for up to
    900 ms)."""
    from elearn.garbage_collection import install

    install()
