"""Live updates across processes: gunicorn servers sharing one database and Redis.

Server A runs two gunicorn workers, server B one; the course tab talks to A and the
dashboard tab to B, so every push the dashboard gets has crossed processes via Redis.
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot, sign_in
from tests.conftest import TEST_JOB_QUEUE, TEST_REDIS_URL, unavailable

pytestmark = [pytest.mark.browser, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


@pytest.fixture(scope="module")
def gunicorn_pair(tmp_path_factory):
    if not TEST_REDIS_URL:
        unavailable("redis", "REDIS_URL is not set")
    folder = tmp_path_factory.mktemp("multiprocess")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'shared.sqlite'}", "REDIS_URL": TEST_REDIS_URL,
           "ELEARN_EVENT_CHANNEL": f"elearn:test:{uuid.uuid4().hex}", "SECRET_KEY": "s" * 48,
           "ELEARN_INSTANCE_PATH": str(folder), "ELEARN_JOB_QUEUE": TEST_JOB_QUEUE}
    flask = [str(BIN / "flask"), "--app", "elearn"]
    subprocess.run(flask + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo", "--password", DEMO_PASSWORD], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    servers, urls = [], []
    for workers in (2, 1):
        port = _free_port()
        servers.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", "16",
             "-b", f"127.0.0.1:{port}", "--graceful-timeout", "2", "wsgi:app"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            _wait_until_up(url)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(10)


def test_a_change_on_one_server_reaches_a_page_on_another(gunicorn_pair, new_page):
    server_a, server_b = gunicorn_pair
    course_tab = new_page("desktop")
    sign_in(course_tab, server_a, "john@example.com")
    dashboard_tab = new_page("desktop")
    sign_in(dashboard_tab, server_b, "john@example.com")
    expect(dashboard_tab.get_by_test_id("overall-percent")).to_have_text("72%")
    expect(dashboard_tab.locator("#live-status")).to_have_attribute("data-state", "live")

    course_tab.goto(f"{server_a}/courses")
    course_tab.get_by_role("link", name="React Basics").first.click()
    row = course_tab.locator('li.module[data-status="not-started"]').first
    row_id = row.get_attribute("id")
    row.get_by_role("button", name=re.compile("^Mark complete")).click()
    expect(course_tab.locator(f"#{row_id}")).to_have_attribute("data-status", "completed")
    expect(dashboard_tab.get_by_test_id("overall-percent")).to_have_text("76%")
    screenshot(dashboard_tab, "dashboard-across-processes-desktop")

    # The live push folds the module with the finished ones before it; the summary opens them.
    expect(course_tab.locator(f"#done-modules #{row_id}")).to_have_count(1)
    course_tab.locator("#done-modules > summary").click()
    course_tab.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Undo")).click()
    expect(dashboard_tab.get_by_test_id("overall-percent")).to_have_text("72%")

    # The other way round: a JSON API change handled by server B shows on A's course page.
    api = course_tab.request
    signed_in = api.post(f"{server_b}/api/auth/login", data={"email": "john@example.com", "password": DEMO_PASSWORD})
    assert signed_in.ok, signed_in.text()
    token = signed_in.json()["accessToken"]
    enrollment_id = next(e["id"] for e in api.get(f"{server_b}/api/enrollments",
                                                  headers={"Authorization": f"Bearer {token}"}).json()["items"]
                         if e["courseTitle"] == "React Basics")
    module_id = row_id.removeprefix("module-")
    assert api.post(f"{server_b}/api/progress/mark-completed/{enrollment_id}/{module_id}",
                    headers={"Authorization": f"Bearer {token}"}).ok
    expect(course_tab.locator(f"#{row_id}")).to_have_attribute("data-status", "completed")
    expect(course_tab.get_by_test_id("course-percent")).to_have_text("87%")
