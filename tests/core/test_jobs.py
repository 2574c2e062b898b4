"""The in-process job runner: what runs, when, and what it refuses."""
import time

import pytest
from sqlalchemy import select

from elearn.catalog.models import Course
from elearn.extensions import db
from elearn.jobs.queue import perform
from tests.conftest import build_app, migrate_to_head
from tests.factories import Factory


def test_only_elearn_s_own_functions_run_as_jobs(app):
    with pytest.raises(ValueError, match="not a task of elearn"):
        perform("os.system", ["echo hello"])


def test_without_redis_the_schedule_starts_with_the_first_request(tmp_path):
    """The periodic tasks (here the background at-risk count) run in the web process."""
    app = build_app(f"sqlite:///{tmp_path / 'schedule.sqlite'}", JOB_SCHEDULER=True)
    migrate_to_head(app)
    with app.app_context():
        make = Factory()
        course = make.course(make.user("instructor"), modules=2)
        make.enroll(make.user(), course)
        db.session.commit()
        course_id = course.id
        assert db.session.get(Course, course_id).at_risk_count is None
        time.sleep(0.2)
        assert db.session.get(Course, course_id).at_risk_count is None  # nothing runs before a request
        db.session.remove()

        app.test_client().get("/healthz")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            counted = db.session.scalar(select(Course.at_risk_count).where(Course.id == course_id))
            db.session.rollback()
            if counted is not None:
                break
            time.sleep(0.05)
        assert counted == 0  # one learner, enrolled just now: not at risk
        assert app.extensions["elearn.jobs"].wait_idle(60)
        db.session.remove()
        db.engine.dispose()
