"""Exports for warehouses: progress records and the activity log, streamed in batches.

- ``progress.csv``: one row per progress record whose ``updatedAt`` falls in the window. A
  record's ``updatedAt`` moves whenever it is started, completed, reopened or gains active
  time, so loading each period's file (``since`` = the previous ``until``) keeps a
  warehouse's copy current; rows are keyed by (``enrollmentId``, ``moduleId``).
- ``events.ndjson``: one JSON object per activity-log row whose ``occurredAt`` falls in the
  window; rows are only ever appended, so each period's file is new rows only.

Both take an optional course. Rows are read ``BATCH_SIZE`` at a time in id order by keyset
(``WHERE id > <last id> ORDER BY id LIMIT n``): a million rows are 200 short statements, one
batch in memory at a time, and no transaction or connection is held while the client reads
(each batch ends its own). Access and the query are checked before the first byte goes out,
so a refusal is an ordinary error response. Reads go to the read replica when there is one.
"""
import json
from collections.abc import Callable, Iterator
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import Select, select

from ..auth.models import User
from ..catalog.models import Course, Module
from ..enrollments.models import Enrollment
from ..errors import Forbidden, NotFound
from ..progress.models import Progress, ProgressEvent
from ..read_replica import reads
from ..web.downloads import csv_line_writer

BATCH_SIZE = 5000
PROGRESS_COLUMNS = ("userId", "email", "courseId", "courseTitle", "enrollmentId", "moduleId", "moduleTitle",
                    "completed", "startedAt", "completedAt", "activeSeconds", "updatedAt")


def _check(actor, course_id: int | None) -> None:
    if actor.role != "admin":
        raise Forbidden(gettext("Only admins export the platform's data."))
    if course_id is not None and reads().scalar(select(Course.id).where(Course.id == course_id)) is None:
        raise NotFound(gettext("No such course."))


def _window(stmt: Select, column, since: datetime | None, until: datetime | None) -> Select:
    if since is not None:
        stmt = stmt.where(column >= since)
    if until is not None:
        stmt = stmt.where(column < until)
    return stmt


def _in_batches(stmt: Select, key) -> Iterator:
    """Every row of ``stmt`` in ``key`` order (its first column), ``BATCH_SIZE`` per statement."""
    after = None
    while True:
        session = reads()
        batch = stmt if after is None else stmt.where(key > after)
        rows = session.execute(batch.order_by(key).limit(BATCH_SIZE)).all()
        session.rollback()  # a read-only transaction: end it while the client reads the batch
        yield from rows
        if len(rows) < BATCH_SIZE:
            return
        after = rows[-1][0]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _lines(rows: Iterator, render: Callable, header: str | None = None) -> Iterator[str]:
    if header is not None:
        yield header
    for row in rows:
        yield render(row)


def progress_csv_lines(actor, course_id: int | None = None, since: datetime | None = None,
                       until: datetime | None = None) -> Iterator[str]:
    """The progress records changed in ``[since, until)`` as CSV lines, header first."""
    _check(actor, course_id)
    stmt = _window(
        select(Progress.id, Enrollment.user_id, User.email, Enrollment.course_id, Course.title,
               Progress.enrollment_id, Progress.module_id, Module.title, Progress.completed, Progress.started_at,
               Progress.completed_at, Progress.active_seconds, Progress.updated_at)
        .join(Enrollment, Enrollment.id == Progress.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Course, Course.id == Enrollment.course_id)
        .join(Module, Module.id == Progress.module_id),
        Progress.updated_at, since, until)
    if course_id is not None:
        stmt = stmt.where(Enrollment.course_id == course_id)
    line = csv_line_writer()

    def render(row) -> str:
        (_id, user_id, email, course, course_title, enrollment_id, module_id, module_title, completed, started_at,
         completed_at, active_seconds, updated_at) = row
        return line((user_id, email, course, course_title, enrollment_id, module_id, module_title,
                     "true" if completed else "false", _time(started_at), _time(completed_at), active_seconds,
                     _time(updated_at)))

    return _lines(_in_batches(stmt, Progress.id), render, line(PROGRESS_COLUMNS))


def events_ndjson_lines(actor, course_id: int | None = None, since: datetime | None = None,
                        until: datetime | None = None) -> Iterator[str]:
    """The activity log's rows of ``[since, until)``, one JSON object per line."""
    _check(actor, course_id)
    stmt = _window(
        select(ProgressEvent.id, ProgressEvent.user_id, ProgressEvent.course_id, ProgressEvent.enrollment_id,
               ProgressEvent.module_id, ProgressEvent.kind, ProgressEvent.occurred_at),
        ProgressEvent.occurred_at, since, until)
    if course_id is not None:
        stmt = stmt.where(ProgressEvent.course_id == course_id)

    def render(row) -> str:
        event_id, user_id, course, enrollment_id, module_id, kind, occurred_at = row
        return json.dumps({"id": event_id, "userId": user_id, "courseId": course, "enrollmentId": enrollment_id,
                           "moduleId": module_id, "kind": kind, "occurredAt": _time(occurred_at)},
                          separators=(",", ":")) + "\n"

    return _lines(_in_batches(stmt, ProgressEvent.id), render)


def filename(name: str, extension: str, course_id: int | None) -> str:
    return f"{name}-course-{course_id}.{extension}" if course_id is not None else f"{name}.{extension}"
