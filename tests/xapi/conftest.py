"""Ralph, a real Learning Record Store, for the xAPI tests: its own process per test worker.

``make test`` installs Ralph (``ralph-malph``, pinned in ``ralph-requirements.txt``) in
``.venv/ralph``; the fixture writes its basic-auth credentials, starts its LRS server with
the file-system backend on a free port (``ralph_server.py``), and can stop and start it again (the LRS going
down). Each test names its site with an address of its own (``BASE_URL``), so its
statement ids and actors never meet another test's in the LRS that outlives it.
"""
import base64
import json
import os
import socket
import subprocess
import time
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import RALPH, unavailable

USER, PASSWORD = "elearn", "lrs-password"
SERVER = Path(__file__).parent / "ralph_server.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Ralph:
    def __init__(self, directory):
        self.directory = directory
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI/"
        self.env = {**os.environ, "RALPH_APP_DIR": str(directory / "app"), "RALPH_AUTH_FILE": str(directory / "auth.json"),
                    "RALPH_RUNSERVER_BACKEND": "fs",
                    "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(directory / "data")}
        self.process = None
        subprocess.run([str(RALPH), "auth", "-u", USER, "-p", PASSWORD, "-s", "all", "-M", "mailto:lrs@example.com",
                        "-w"], cwd=directory, env=self.env, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        with open(self.directory / "ralph.log", "ab") as log:  # the process has its own copy
            self.process = subprocess.Popen([str(RALPH.parent / "python"), str(SERVER), str(self.port)],
                                            cwd=self.directory, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError((self.directory / "ralph.log").read_text()[-2000:]) from None
                time.sleep(0.2)
        raise RuntimeError("Ralph did not answer within 120 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(60)
            self.process = None

    def statements(self, site: str) -> list[dict]:
        """Every statement the LRS holds about ``site``'s activities, in the order stored."""
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        found, path = [], "statements?ascending=true&limit=500"
        while path:
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}/xAPI/{path.split('/xAPI/')[-1]}",
                                             headers={"Authorization": f"Basic {token}",
                                                      "X-Experience-API-Version": "1.0.3"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                body = json.load(answer)
            found += body["statements"]
            path = body.get("more") or ""
        # The LRS stamps each statement with the time it stored it: its order of arrival.
        ours = [s for s in found if s["object"]["id"].startswith(site + "/")]
        return sorted(ours, key=lambda s: datetime.fromisoformat(s["stored"]))


@pytest.fixture(scope="session")
def _ralph(tmp_path_factory):
    if not RALPH.exists():
        unavailable("lrs", f"{RALPH} is missing: run make test")
    ralph = Ralph(tmp_path_factory.mktemp("ralph"))
    ralph.start()
    yield ralph
    ralph.stop()


@pytest.fixture
def lrs(app, _ralph, monkeypatch):
    """Ralph, running, and the app forwarding to it under a site address of this test's own."""
    if _ralph.process is None:
        _ralph.start()
    site = f"http://elearn-{uuid.uuid4().hex[:12]}.test"
    monkeypatch.setitem(app.config, "BASE_URL", site)
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", _ralph.url)
    monkeypatch.setitem(app.config, "XAPI_LRS_AUTH", f"{USER}:{PASSWORD}")
    _ralph.site = site
    yield _ralph
    assert app.extensions["elearn.jobs"].wait_idle(60)
    if _ralph.process is None:
        _ralph.start()
