"""With DATABASE_READ_URL, dashboards and analytics read the replica; writes go to the primary."""
import sqlite3
import time

from sqlalchemy import func, select

from elearn.progress.models import Progress
from tests.conftest import Api, build_app, migrate_to_head


def _replicate(primary_path, replica_path):
    """Bring the replica up to the primary's state (what streaming replication does)."""
    source, target = sqlite3.connect(primary_path), sqlite3.connect(replica_path)
    source.backup(target)
    source.close()
    target.close()


def test_reads_go_to_the_replica_and_writes_to_the_primary(tmp_path):
    from elearn.extensions import db
    from tests.factories import Factory

    primary, replica = tmp_path / "primary.sqlite", tmp_path / "replica.sqlite"
    app = build_app(f"sqlite:///{primary}", SQLALCHEMY_BINDS={"replica": f"sqlite:///{replica}"})
    migrate_to_head(app)
    with app.app_context():
        make = Factory()
        make.user("admin", email="root@example.com")
        student = make.user(email="s@example.com")
        course = make.course(modules=2)
        enrollment = make.enroll(student, course)
        module_id = make.modules(course)[0].id
        course_id, enrollment_id = course.id, enrollment.id
        db.engine.dispose()
    _replicate(primary, replica)

    api = Api(app.test_client())
    token, admin = api.token("s@example.com"), api.token("root@example.com")
    done = api.post(f"/api/progress/mark-completed/{enrollment_id}/{module_id}", token)
    assert done.status_code == 200 and done.get_json()["completed"] is True  # the write, read back from the primary

    with app.app_context():
        assert db.session.scalar(select(func.count(Progress.id))) == 1  # the primary has it
    lagging = api.get(f"/api/analytics/courses/{course_id}", admin).get_json()
    assert lagging["averageCompletion"] == 0.0, "analytics came from the (lagging) replica"
    # That figure predates the completion but is filed under its generation: kept briefly.
    from elearn.analytics.service import analytics_entry
    from elearn.cache import REPLICA_TTL
    expires, _ = app.extensions["elearn.cache"]._values[analytics_entry(course_id).key]
    assert expires - time.monotonic() <= REPLICA_TTL
    with app.test_request_context():  # a live page re-rendered for a change reads the primary
        from elearn.read_replica import from_primary, reads
        assert reads() is not db.session
        with from_primary():
            assert reads() is db.session

    _replicate(primary, replica)
    app.config["CACHE_ENABLED"] = False  # the figure above was cached; look again after catching up
    assert api.get(f"/api/analytics/courses/{course_id}", admin).get_json()["averageCompletion"] == 50.0
    with app.app_context():
        db.engine.dispose()
        db.engines["replica"].dispose()


def test_without_a_replica_everything_uses_the_primary(app):
    from elearn.extensions import db
    from elearn.read_replica import reads

    assert reads() is db.session
