"""Identical writes racing each other leave one record and move the counters once."""
import threading

from sqlalchemy import func, select

from elearn.enrollments.models import Enrollment
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
