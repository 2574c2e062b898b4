"""A page that lost its server catches up when the server is back (a real restart)."""
import os
import signal
import subprocess
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.test_multiprocess import BIN, ROOT, _free_port, _wait_until_up

pytestmark = pytest.mark.browser


def test_dashboard_reconnects_after_a_restart_and_shows_what_it_missed(tmp_path, new_page):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'restart.sqlite'}", "SECRET_KEY": "r" * 48,
           "ELEARN_INSTANCE_PATH": str(tmp_path), "ELEARN_EVENT_CHANNEL": f"elearn:test:{uuid.uuid4().hex}"}
    env.pop("REDIS_URL", None)
    flask = [str(BIN / "flask"), "--app", "elearn"]
    subprocess.run(flask + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo", "--password", DEMO_PASSWORD], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "16", "-b", f"127.0.0.1:{port}",
               "--graceful-timeout", "1", "wsgi:app"]

    def start():
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        _wait_until_up(base)
        return process

    def crash(process):
        """Kill the master and its worker at once, as a crash or a host restart would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    server = start()
    try:
        page = new_page("desktop")
        sign_in(page, base, "john@example.com")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        expect(page.get_by_test_id("overall-percent")).to_have_text("72%")

        crash(server)
        expect(page.locator("#live-status")).to_have_attribute("data-state", "offline")
        # While the page is cut off, John completes a module elsewhere (straight in the database).
        completed = subprocess.run(
            flask + ["shell"], env=env, cwd=ROOT, check=True, capture_output=True, text=True, input=(
                "from elearn.auth.models import User\n"
                "from elearn.progress import queries, writes\n"
                "john = db.session.query(User).filter_by(email='john@example.com').one()\n"
                "course = next(c for c in queries.overall_progress(john.id).courses if c.title == 'Node.js Backend')\n"
                "module = next(m for m in queries.course_progress(john, course.enrollment_id).modules if not m.completed)\n"
                "writes.mark_module_completed(john, course.enrollment_id, module.module_id)\n"
                "db.session.commit()\n"
                "print('done', module.title)\n"))
        assert "done" in completed.stdout
        assert page.get_by_test_id("overall-percent").inner_text() == "72%"

        server = start()
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        expect(page.get_by_test_id("overall-percent")).to_have_text("76%")
    finally:
        crash(server)
