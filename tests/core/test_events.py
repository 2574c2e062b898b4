"""Events reach the bus after the commit, and never for rolled-back work."""

from elearn.events import publish_after_commit
from elearn.extensions import db as _db


def test_events_wait_for_the_commit(app, received):
    publish_after_commit({"type": "test.event", "n": 1})
    assert received == []
    _db.session.commit()
    assert received == [{"type": "test.event", "n": 1}]


def test_rolled_back_events_are_dropped(app, received):
    publish_after_commit({"type": "test.event", "n": 2})
    _db.session.rollback()
    _db.session.commit()
    assert received == []


def test_mark_completed_publishes_the_contract_event(app, api, make, received):
    student = make.user(email="s@example.com")
    course = make.course(modules=4)
    other = make.course(modules=2)
    enrollment = make.enroll(student, course)
    make.enroll(student, other)
    module = make.modules(course)[0]
    token = api.token("s@example.com")
    received.clear()
    api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", token)
    # The badge's note and email follow in the background, with events of their own.
    assert app.extensions["elearn.jobs"].wait_idle(60)
    assert [m for m in received if m["type"] not in ("achievement.earned", "message.received", "email.queued")] == [{
        "type": "progress.updated", "userId": student.id, "enrollmentId": enrollment.id,
        "courseId": course.id, "moduleId": module.id, "kind": "completed", "completed": True,
        "course": {"totalModules": 4, "completedModules": 1, "percentage": 25.0},
        "overall": {"totalModules": 6, "completedModules": 1, "percentage": 16.67},
    }]
    announced = len(received)
    api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", token)
    assert len(received) == announced, "a repeated completion changes nothing and announces nothing"


def test_a_refused_write_publishes_nothing(api, make, received):
    student, stranger = make.user(email="s@example.com"), make.user(email="x@example.com")
    course = make.course(modules=2)
    enrollment = make.enroll(student, course)
    make.enroll(stranger, course)
    token = api.token("x@example.com")
    received.clear()
    module = make.modules(course)[0]
    assert api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", token).status_code == 404
    assert received == []


def test_events_wait_for_the_real_commit_not_a_savepoint(app, received):
    publish_after_commit({"type": "test.event", "n": 3})
    with _db.session.begin_nested():
        publish_after_commit({"type": "test.event", "n": 4})
    assert received == [], "releasing a SAVEPOINT is not the commit"
    _db.session.commit()
    assert received == [{"type": "test.event", "n": 3}, {"type": "test.event", "n": 4}]
