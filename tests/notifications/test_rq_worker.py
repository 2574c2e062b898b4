"""Jobs on Redis: a real ``flask --app elearn worker`` process runs what the web app queued."""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.jobs.models import FailedJob
from elearn.mail.models import OutboxEmail
from elearn.messages import service as messages
from tests.conftest import TEST_SECRET, build_app, migrate_to_head
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.redis


@pytest.fixture
def queued_app(tmp_path, smtp, redis_url):
    """An app queueing on Redis (a queue of its own), and a worker process beside it."""
    import redis
    from rq import Queue

    database = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    queue, channel = f"elearn-test-{uuid.uuid4().hex[:10]}", f"elearn:test:{uuid.uuid4().hex}"
    app = build_app(database, REDIS_URL=redis_url, MAIL_URL=smtp.url, JOB_QUEUE=queue, EVENT_CHANNEL=channel,
                    JOB_RETRY_DELAYS=(1, 1))
    migrate_to_head(app)
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url, "MAIL_URL": smtp.url,
           "ELEARN_JOB_QUEUE": queue, "ELEARN_EVENT_CHANNEL": channel, "SECRET_KEY": TEST_SECRET,
           "ELEARN_INSTANCE_PATH": str(tmp_path), "ELEARN_JOB_RETRY_DELAYS": "1,1"}
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen([str(BIN / "flask"), "--app", "elearn", "worker"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
        Queue(queue, connection=redis.Redis.from_url(redis_url)).empty()


def _until(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # see the worker's commits
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_retries_a_refused_send_and_sends_it_once(queued_app, smtp, tmp_path):
    make = Factory()
    ada = make.user("instructor", email="ada@example.com", name="Ada")
    course = make.course(ada, modules=1, title="Algebra")
    sam = make.user(email="sam@example.com")
    make.enroll(sam, course)
    db.session.commit()
    smtp.refuse = 2
    messages.send_message(ada, subject="From the worker", body="Sent by RQ.", course_id=course.id,
                          recipient_ids=[sam.id])
    db.session.commit()

    def sent():
        row = db.session.scalar(select(OutboxEmail))
        return row is not None and row.status == "sent"

    assert _until(sent), (tmp_path / "worker.log").read_text()[-3000:]
    assert smtp.refused == 2
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [("sam@example.com", "From the worker")]
    row = db.session.scalar(select(OutboxEmail))
    assert row.attempts == 3
    assert db.session.scalar(select(func.count()).select_from(FailedJob)) == 0


class _Planted:
    """A pickle that runs a command as it is read: what anyone who can write to Redis could
    queue if the worker read pickles."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_jobs_are_json_and_a_planted_pickle_runs_nothing(queued_app, smtp, tmp_path, redis_url):
    import json
    import zlib

    import redis
    from rq import Queue

    connection = redis.Redis.from_url(redis_url)
    marker = tmp_path / "pickle-ran"
    Queue(queued_app.config["JOB_QUEUE"], connection=connection).enqueue("elearn.jobs.queue.perform", _Planted(marker))
    make = Factory()
    ada = make.user("instructor", email="ada@example.com")
    course = make.course(ada, modules=1)
    make.enroll(make.user(email="sam@example.com"), course)
    db.session.commit()
    jobs = queued_app.extensions["elearn.jobs"]
    job_id = jobs.queue.enqueue("elearn.jobs.queue.perform", "elearn.mail.outbox.deliver", [{"emailId": 0}]).id
    stored = json.loads(zlib.decompress(connection.hget(f"rq:job:{job_id}", "data")))
    assert stored[0] == "elearn.jobs.queue.perform" and stored[2][1] == [{"emailId": 0}]
    messages.send_message(ada, subject="After the pickle", body="Sent.", course_id=course.id, recipient_ids=None,
                          audience="all")
    db.session.commit()
    # One worker takes the jobs in order: once the email is sent, the planted job was read.
    assert _until(lambda: [m["Subject"] for m in smtp.messages] == ["After the pickle"]), (
        (tmp_path / "worker.log").read_text()[-3000:])
    assert not marker.exists(), "the worker ran the planted pickle's command"


def test_a_job_that_keeps_failing_reaches_the_dead_letter_list(queued_app, smtp, tmp_path):
    make = Factory()
    ada = make.user("instructor", email="ada@example.com")
    course = make.course(ada, modules=1)
    sam = make.user(email="sam@example.com")
    make.enroll(sam, course)
    db.session.commit()
    smtp.refuse = 100
    messages.send_message(ada, subject="Never", body="Refused.", course_id=course.id, recipient_ids=[sam.id])
    db.session.commit()

    assert _until(lambda: db.session.scalar(select(func.count()).select_from(FailedJob)) == 1), (
        (tmp_path / "worker.log").read_text()[-3000:])
    failed = db.session.scalar(select(FailedJob))
    assert (failed.task, failed.attempts) == ("elearn.mail.outbox.deliver", 3)
    assert "451" in failed.error
    assert smtp.refused == 3 and smtp.messages == []
