"""Warehouse exports: exact rows, the course and time filters, batches, and who may export."""
import csv
import inspect
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from elearn.exports import service
from elearn.progress.models import Progress, ProgressEvent

JAN = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
FEB = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
MAR = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
HEADER = ("userId,email,courseId,courseTitle,enrollmentId,moduleId,moduleTitle,completed,startedAt,completedAt,"
          "activeSeconds,updatedAt\r\n")


@pytest.fixture
def platform(make, db):
    """Two courses: Ana finished module 1 of "=Algebra" in January, Ben module 1 of
    Biology in March (started in February, 120 active seconds)."""
    root = make.user("admin", email="root@example.com")
    ada = make.user("instructor", email="ada@example.com")
    algebra, biology = make.course(ada, modules=2, title="=Algebra"), make.course(ada, modules=1, title="Biology")
    ana, ben = make.user(email="ana@example.com"), make.user(email="ben@example.com")
    ana_in = make.complete(make.enroll(ana, algebra), 1)
    ben_in = make.complete(make.enroll(ben, biology), 1)
    for enrollment, started, finished, active in ((ana_in, JAN, JAN, 0), (ben_in, FEB, MAR, 120)):
        db.session.execute(update(Progress).where(Progress.enrollment_id == enrollment.id)
                           .values(started_at=started, completed_at=finished, updated_at=finished,
                                   active_seconds=active))
        db.session.execute(update(ProgressEvent).where(ProgressEvent.enrollment_id == enrollment.id)
                           .values(occurred_at=finished))
    db.session.commit()
    return {"root": root, "ada": ada, "algebra": algebra, "biology": biology, "ana": ana, "ben": ben,
            "ana_in": ana_in, "ben_in": ben_in, "modules": {c.id: make.modules(c) for c in (algebra, biology)}}


def _row(p, who: str, course, enrollment, module_index: int, started, finished, active=0) -> str:
    module = p["modules"][course.id][module_index]
    title = "'" + course.title if course.title.startswith("=") else course.title
    return (f"{p[who].id},{who}@example.com,{course.id},{title},{enrollment.id},{module.id},{module.title},true,"
            f"{started.isoformat()},{finished.isoformat()},{active},{finished.isoformat()}\r\n")


def test_progress_csv_has_one_row_per_record_with_every_column(api, platform):
    p = platform
    response = api.get("/api/exports/progress.csv", api.token("root@example.com"))
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="progress.csv"'
    assert response.get_data(as_text=True) == "".join([
        HEADER,
        _row(p, "ana", p["algebra"], p["ana_in"], 0, JAN, JAN),  # the title is a formula: quoted
        _row(p, "ben", p["biology"], p["ben_in"], 0, FEB, MAR, active=120)])


def test_progress_csv_filters_by_course_and_by_the_time_a_record_changed(api, platform):
    p = platform
    token = api.token("root@example.com")

    def rows(query: str) -> list[str]:
        response = api.get(f"/api/exports/progress.csv?{query}", token)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_data(as_text=True).splitlines(keepends=True)[1:]

    ana, ben = _row(p, "ana", p["algebra"], p["ana_in"], 0, JAN, JAN), _row(
        p, "ben", p["biology"], p["ben_in"], 0, FEB, MAR, active=120)
    assert rows(f"courseId={p['biology'].id}") == [ben]
    assert rows("since=2026-03-01T00:00:00%2B00:00") == [ben], "changed in March: Ben's, not Ana's"
    assert rows("until=2026-03-10T09:00:00Z") == [ana], "until is exclusive"
    assert rows("since=2026-01-10T10:00:00%2B01:00&until=2026-02-01T00:00:00Z") == [ana], "offsets are honoured"
    assert rows(f"courseId={p['algebra'].id}&since=2026-02-01T00:00:00Z") == []
    named = api.get(f"/api/exports/progress.csv?courseId={p['biology'].id}", token)
    assert named.headers["Content-Disposition"] == f'attachment; filename="progress-course-{p["biology"].id}.csv"'


def test_events_ndjson_has_one_object_per_activity_row(api, db, platform):
    p = platform
    response = api.get("/api/exports/events.ndjson", api.token("root@example.com"))
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"] == 'attachment; filename="events.ndjson"'
    ana_event, ben_event = db.session.scalars(select(ProgressEvent.id).order_by(ProgressEvent.id)).all()
    assert response.get_data(as_text=True) == "".join(json.dumps(event, separators=(",", ":")) + "\n" for event in [
        {"id": ana_event, "userId": p["ana"].id, "courseId": p["algebra"].id, "enrollmentId": p["ana_in"].id,
         "moduleId": p["modules"][p["algebra"].id][0].id, "kind": "completed", "occurredAt": "2026-01-10T09:00:00+00:00"},
        {"id": ben_event, "userId": p["ben"].id, "courseId": p["biology"].id, "enrollmentId": p["ben_in"].id,
         "moduleId": p["modules"][p["biology"].id][0].id, "kind": "completed", "occurredAt": "2026-03-10T09:00:00+00:00"},
    ])


def test_events_ndjson_filters_by_course_and_time(api, platform):
    p = platform
    token = api.token("root@example.com")

    def users(query: str) -> set[int]:
        response = api.get(f"/api/exports/events.ndjson?{query}", token)
        assert response.status_code == 200
        return {json.loads(line)["userId"] for line in response.get_data(as_text=True).splitlines()}

    assert users(f"courseId={p['algebra'].id}") == {p["ana"].id}
    assert users("since=2026-03-10T09:00:00Z") == {p["ben"].id}, "since is inclusive"
    assert users("until=2026-03-10T09:00:00Z") == {p["ana"].id}
    assert users(f"courseId={p['algebra'].id}&since=2026-02-01T00:00:00Z") == set()


@pytest.mark.parametrize("path", ["/api/exports/progress.csv", "/api/exports/events.ndjson"])
def test_only_admins_export(api, platform, path):
    assert api.get(path).status_code == 401
    for email in ("ada@example.com", "ana@example.com"):
        response = api.get(path, api.token(email))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("query, field", [
    ("since=2026-01-01T00:00:00", "since"),  # no offset
    ("since=0001-01-01T00:00:00%2B01:00", "since"),  # before year 1 in UTC: it overflowed into a 500
    ("until=9999-12-31T23:00:00-05:00", "until"),
    ("until=yesterday", "until"),
    ("courseId=abc", "courseId"),
    ("courseId=0", "courseId"),
    ("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "body"),
    ("format=xml", "format"),
])
@pytest.mark.parametrize("path", ["/api/exports/progress.csv", "/api/exports/events.ndjson"])
def test_bad_queries_are_422_with_a_message_per_field(api, platform, path, query, field):
    response = api.get(f"{path}?{query}", api.token("root@example.com"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and set(error["details"]) == {field}


def test_an_unknown_course_is_404(api, platform):
    response = api.get("/api/exports/progress.csv?courseId=999999", api.token("root@example.com"))
    assert response.status_code == 404 and response.get_json()["error"]["message"] == "No such course."


def _bulk_records(db, make, course, learners: int):
    """``learners`` enrollments in ``course`` with a record of each module (straight in SQL)."""
    modules = make.modules(course)
    students = [make.user() for _ in range(learners)]
    enrollments = [make.enroll(student, course) for student in students]
    db.session.execute(Progress.__table__.insert(), [
        {"enrollment_id": e.id, "module_id": m.id, "completed": False, "started_at": JAN, "updated_at": JAN,
         "active_seconds": 0} for e in enrollments for m in modules])
    db.session.commit()
    return len(enrollments) * len(modules)


@pytest.mark.parametrize("batch", [4, 7, 5000])
def test_the_export_reads_a_batch_per_statement(db, make, platform, count_queries, monkeypatch, batch):
    """Each statement reads one batch (by id, after the previous batch's last): a few
    statements for any number of rows, and none before the file is read."""
    monkeypatch.setattr(service, "BATCH_SIZE", batch)
    total = 2 + _bulk_records(db, make, make.course(platform["ada"], modules=4), learners=6)  # 2 + 24 records
    root = platform["root"]
    assert root.role == "admin"  # loaded before counting
    with count_queries() as statements:
        lines = service.progress_csv_lines(root)
        assert inspect.isgenerator(lines) and statements == []
        rows = list(csv.reader(io.StringIO("".join(lines), newline="")))[1:]
    assert len(rows) == total == 26
    assert len(statements) == total // batch + 1, "full batches, then the short (or empty) last one"
    enrollments = [int(row[4]) for row in rows]
    assert len({(row[4], row[5]) for row in rows}) == total, "every record once"
    assert enrollments == sorted(enrollments), "in record order"


def test_events_are_read_in_batches_too(db, make, platform, count_queries, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 3)
    course = make.course(platform["ada"], modules=3)
    for _ in range(3):
        make.complete(make.enroll(make.user(), course), 3)  # 3 completions each
    root = platform["root"]
    assert root.role == "admin"  # loaded before counting
    with count_queries() as statements:
        events = [json.loads(line) for line in service.events_ndjson_lines(root)]
    assert len(events) == 2 + 9 and [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert len(statements) == 11 // 3 + 1
