"""Production server settings: ``gunicorn -c gunicorn.conf.py wsgi:app`` (``make serve``).

Threaded workers: each WebSocket holds a thread (two, with its reader) for its lifetime,
so ``threads`` bounds the sockets one worker can hold; HTTP requests share the same pool.
Every setting can be overridden with the environment variables below.
"""
import multiprocessing
import os

bind = os.environ.get("ELEARN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ELEARN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("ELEARN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("ELEARN_THREADS", "256"))
# WebSockets stay open for hours; a request that stops answering for this long is stuck.
timeout = int(os.environ.get("ELEARN_TIMEOUT", "120"))
graceful_timeout = 10
keepalive = 5
max_requests = 0  # recycling workers would drop every socket they hold
accesslog = os.environ.get("ELEARN_ACCESS_LOG") or None
errorlog = "-"
raw_env = ["ELEARN_ENV=production"]
