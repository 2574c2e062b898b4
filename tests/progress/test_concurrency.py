"""Identical writes racing each other leave one record and move the counters once."""
import threading

import pytest
from sqlalchemy import func, select

from elearn.auth.models import User
from elearn.catalog import service as catalog
from elearn.catalog.models import Course
from elearn.enrollments.models import Enrollment
from elearn.errors import NotFound
from elearn.extensions import db as session_db
from elearn.progress.models import Progress, ProgressEvent


def _race(app, requests: int, send):
    """Fire ``requests`` calls of ``send(client)`` at once from as many threads."""
    barrier = threading.Barrier(requests)
    statuses = []

    def worker():
        client = app.test_client()
        barrier.wait()
        statuses.append(send(client))

    threads = [threading.Thread(target=worker) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_fifty_identical_mark_completed_requests_at_once(app, api, make, db):
    student = make.user(email="s@example.com")
    course = make.course(modules=3)
    enrollment = make.enroll(student, course)
    module = make.modules(course)[0]
    token = api.token("s@example.com")
    url = f"/api/progress/mark-completed/{enrollment.id}/{module.id}"
    statuses = _race(app, 50, lambda c: c.post(url, headers={"Authorization": f"Bearer {token}"}).status_code)
    assert statuses == [200] * 50
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Progress.id))) == 1
    assert db.session.scalar(select(func.count(ProgressEvent.id))) == 1
    assert db.session.get(Enrollment, enrollment.id).completed_count == 1


def test_different_modules_completed_at_once_all_count(app, api, make, db):
    student = make.user(email="s@example.com")
    course = make.course(modules=8)
    enrollment = make.enroll(student, course)
    urls = iter([f"/api/progress/mark-completed/{enrollment.id}/{m.id}" for m in make.modules(course)])
    lock = threading.Lock()
    token = api.token("s@example.com")

    def send(client):
        with lock:
            url = next(urls)
        return client.post(url, headers={"Authorization": f"Bearer {token}"}).status_code

    assert _race(app, 8, send) == [200] * 8
    db.session.expire_all()
    enrollment = db.session.get(Enrollment, enrollment.id)
    assert enrollment.completed_count == 8 and enrollment.completed_at is not None


def test_one_module_deleted_twice_at_once_moves_the_counters_once(app, make, db, monkeypatch):
    """A double click on "Delete module": both requests found the module before either
    committed, and each took its completions off the learners' counts (PostgreSQL re-runs
    a waiting UPDATE on the row the first one committed)."""
    from tests.progress.test_counters import assert_counters_equal_a_recount  # (it imports this module)

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    teacher = make.user("instructor")
    course = make.course(teacher, modules=3)
    module = make.modules(course)[0]
    for _ in range(3):
        make.complete(make.enroll(make.user(), course), 2)
    teacher_id, course_id, module_id = teacher.id, course.id, module.id
    db.session.commit()
    both_found = threading.Barrier(2, timeout=60)
    found = catalog.get_module

    def get_module_then_wait(*args, **kwargs):
        module = found(*args, **kwargs)
        both_found.wait()  # (each request has the module before either deletes it)
        return module

    monkeypatch.setattr(catalog, "get_module", get_module_then_wait)
    outcomes = []

    def delete():
        with app.app_context():
            try:
                catalog.delete_module(session_db.session.get(User, teacher_id), module_id)
                session_db.session.commit()
                outcomes.append("deleted")
            except NotFound:
                session_db.session.rollback()
                outcomes.append("not found")

    threads = [threading.Thread(target=delete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["deleted", "not found"]
    db.session.expire_all()
    assert db.session.get(Course, course_id).module_count == 2
    assert_counters_equal_a_recount(db)
