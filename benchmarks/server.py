"""`make bench`, step 3: the production server, as ``make serve`` runs it.

``gunicorn -c gunicorn.conf.py wsgi:app`` on a free local port, two workers, the worker
model and its sizes given through gunicorn.conf.py's own environment overrides.
"""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn master with its workers; ``stop()`` ends exactly those processes."""

    def __init__(self, env: dict, worker_class: str, log_path: Path, threads: int | None = None,
                 worker_connections: int | None = None):
        self.port = free_port()
        self.worker_class = worker_class
        self.log_path = log_path
        self.env = dict(env, ELEARN_BIND=f"127.0.0.1:{self.port}", ELEARN_WORKERS=str(settings.WORKERS),
                        ELEARN_WORKER_CLASS=worker_class)
        if threads is not None:
            self.env["ELEARN_THREADS"] = str(threads)
        if worker_connections is not None:
            self.env["ELEARN_WORKER_CONNECTIONS"] = str(worker_connections)
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self._log = open(self.log_path, "w")
        # --no-control-socket: gunicorn's default control socket path is per user and
        # would collide with any other gunicorn this user runs.
        self.process = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            if self.healthy() and len(self.worker_pids()) == settings.WORKERS:
                return
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.log_path}")

    def healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as f:
                return [int(pid) for pid in f.read().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            for pid in [self.process.pid, *workers]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.wait(timeout=10)
        self._log.close()

    def log_problems(self) -> list[str]:
        """Error lines the server logged (tracebacks, worker timeouts)."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if any(word in line for word in
                                              ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT"))]

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
