"""Progress writes, safe under concurrency.

- A record exists at most once per (enrollment, module); writes are INSERT .. ON CONFLICT
  on that key, never check-then-insert, so identical requests racing each other leave
  one record and move the counters once.
- Only the enrollment's owner writes (``access.py``).
- Each change moves the enrollment's counters (``counters.py``), appends a ProgressEvent
  and queues a ``progress.updated`` event for after the commit, all in the caller's
  transaction; completions are also sent as ``signals.modules_completed`` (achievements
  award their badges from it) in that same transaction.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..catalog.models import Course, Module
from ..db_types import UTCDateTime, utcnow
from ..enrollments.models import Enrollment
from ..errors import Conflict, Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..numbers import percentage
from ..sql import upsert
from .access import check_module_in_course, load_enrollment
from .counters import course_module_count, first_completion_time, is_complete
from .models import Progress, ProgressEvent
from .signals import Completion, modules_completed

MAX_BULK_ITEMS = 1000


@dataclass
class Change:
    """What one write did, for events and bulk results."""

    enrollment: Enrollment
    module_id: int
    progress_id: int | None
    kind: str | None  # "started", "completed", "reopened", or None when nothing changed
    course_completed: int = 0
    course_total: int = 0
    occurred_at: datetime | None = None

    @property
    def completed_the_course(self) -> bool:
        """This change completed a module and every module of the course is now completed."""
        return self.kind == "completed" and is_complete(self.course_completed, self.course_total)


def _write_completed(enrollment_id: int, module_id: int, now: datetime) -> int | None:
    """Complete (creating if needed); the record id when this call changed it."""
    stmt = upsert(Progress).values(enrollment_id=enrollment_id, module_id=module_id, completed=True,
                            started_at=now, completed_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["enrollment_id", "module_id"],
        set_={"completed": True, "completed_at": stmt.excluded.completed_at,
              "updated_at": stmt.excluded.updated_at},
        where=Progress.completed.is_(False),
    ).returning(Progress.id)
    return db.session.execute(stmt).scalar()


def _write_reopened(enrollment_id: int, module_id: int, now: datetime) -> int | None:
    stmt = (
        update(Progress)
        .where(Progress.enrollment_id == enrollment_id, Progress.module_id == module_id,
               Progress.completed.is_(True))
        .values(completed=False, completed_at=None, updated_at=now)
        .returning(Progress.id)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).scalar()


def _write_started(enrollment_id: int, module_id: int, now: datetime) -> int | None:
    stmt = upsert(Progress).values(enrollment_id=enrollment_id, module_id=module_id, completed=False,
                            started_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_nothing(index_elements=["enrollment_id", "module_id"]).returning(Progress.id)
    return db.session.execute(stmt).scalar()


def _move_counters(enrollment: Enrollment, delta: int, now: datetime) -> tuple[int, int]:
    """Apply ``delta`` completed modules and the activity time; return (completed, total).

    One UPDATE: the row lock makes concurrent changes to one enrollment apply in turn,
    each on the value the previous one left. The values it returns are written into the
    loaded ``enrollment`` so the rest of the request reads them, not stale ones.
    """
    total = course_module_count()
    new_count = Enrollment.completed_count + delta
    stmt = (
        update(Enrollment).where(Enrollment.id == enrollment.id)
        .values(
            completed_count=new_count,
            last_activity_at=literal(now, UTCDateTime()),
            completed_at=first_completion_time(new_count, total, now),
        )
        .returning(Enrollment.completed_count, Enrollment.completed_at, Enrollment.last_activity_at, total)
        .execution_options(synchronize_session=False)
    )
    completed, completed_at, last_activity_at, total_modules = db.session.execute(stmt).one()
    for name, value in (("completed_count", completed), ("completed_at", completed_at),
                        ("last_activity_at", last_activity_at)):
        set_committed_value(enrollment, name, value)
    return completed, total_modules


def _apply(enrollment: Enrollment, module_id: int, action: str, now: datetime) -> Change:
    """Do one write (``complete``, ``reopen`` or ``start``) with its counters and log."""
    if action == "complete":
        progress_id, kind, delta = _write_completed(enrollment.id, module_id, now), "completed", 1
    elif action == "reopen":
        progress_id, kind, delta = _write_reopened(enrollment.id, module_id, now), "reopened", -1
    else:
        progress_id, kind, delta = _write_started(enrollment.id, module_id, now), "started", 0
    if progress_id is None:
        return Change(enrollment, module_id, None, None)
    completed, total = _move_counters(enrollment, delta, now)
    db.session.add(ProgressEvent(user_id=enrollment.user_id, course_id=enrollment.course_id,
                                 enrollment_id=enrollment.id, module_id=module_id, kind=kind,
                                 occurred_at=now))
    return Change(enrollment, module_id, progress_id, kind, completed, total, now)


def _overall_numbers(user_id: int) -> tuple[int, int]:
    """(completed, total) modules over all of a user's enrollments: one aggregate."""
    done, total = db.session.execute(
        select(func.coalesce(func.sum(Enrollment.completed_count), 0),
               func.coalesce(func.sum(Course.module_count), 0))
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user_id)
    ).one()
    return int(done), int(total)


def _send_completions(changes: list[Change]) -> None:
    """Tell ``modules_completed`` receivers what the completions were: once per (user,
    course) however many modules of it one request completed."""
    completions: dict[tuple[int, int], Completion] = {}
    for change in changes:
        if change.kind == "completed":
            pair = (change.enrollment.user_id, change.enrollment.course_id)
            course_completed = change.completed_the_course or (pair in completions and
                                                               completions[pair].course_completed)
            completions[pair] = Completion(*pair, course_completed, change.occurred_at)
    if completions:
        modules_completed.send(list(completions.values()))


def _announce(changes: list[Change]) -> None:
    """Queue one ``progress.updated`` event per change, then send the completions (badges
    are awarded, and announced, from them)."""
    overall: dict[int, tuple[int, int]] = {}
    for change in changes:
        if change.kind is None:
            continue
        user_id = change.enrollment.user_id
        if user_id not in overall:
            overall[user_id] = _overall_numbers(user_id)
        done, total = overall[user_id]
        publish_after_commit({
            "type": "progress.updated",
            "userId": user_id,
            "enrollmentId": change.enrollment.id,
            "courseId": change.enrollment.course_id,
            "moduleId": change.module_id,
            "kind": change.kind,
            "completed": change.kind == "completed",
            "course": {"totalModules": change.course_total, "completedModules": change.course_completed,
                       "percentage": percentage(change.course_completed, change.course_total)},
            "overall": {"totalModules": total, "completedModules": done,
                        "percentage": percentage(done, total)},
        })
    _send_completions(changes)


def _record(progress_id: int) -> Progress:
    return db.session.scalar(select(Progress).where(Progress.id == progress_id)
                             .execution_options(populate_existing=True))


def _existing_record(enrollment_id: int, module_id: int) -> Progress:
    return db.session.scalar(
        select(Progress).where(Progress.enrollment_id == enrollment_id, Progress.module_id == module_id)
        .execution_options(populate_existing=True))


def start_module(actor, enrollment_id: int, module_id: int, completed: bool = False) -> Progress:
    """Create the record for a module (POST /api/progress); 409 when it exists."""
    enrollment, _course = load_enrollment(actor, enrollment_id, write=True)
    check_module_in_course(module_id, enrollment.course_id)
    now = utcnow()
    change = _apply(enrollment, module_id, "start", now)
    if change.kind is None:
        raise Conflict("Progress for this module already exists.",
                       details={"enrollmentId": enrollment_id, "moduleId": module_id})
    changes = [change]
    if completed:
        changes.append(_apply(enrollment, module_id, "complete", now))
    _announce(changes)
    return _record(change.progress_id)


def mark_module_completed(actor, enrollment_id: int, module_id: int) -> Progress:
    """Complete a module; idempotent: repeating it changes nothing and never duplicates."""
    enrollment, _course = load_enrollment(actor, enrollment_id, write=True)
    check_module_in_course(module_id, enrollment.course_id)
    change = _apply(enrollment, module_id, "complete", utcnow())
    _announce([change])
    return _existing_record(enrollment_id, module_id)


def set_module_completed(actor, enrollment_id: int, module_id: int, completed: bool) -> Progress:
    """Complete or reopen a module (the browser's Mark complete / Undo buttons)."""
    if completed:
        return mark_module_completed(actor, enrollment_id, module_id)
    enrollment, _course = load_enrollment(actor, enrollment_id, write=True)
    check_module_in_course(module_id, enrollment.course_id)
    now = utcnow()
    change = _apply(enrollment, module_id, "reopen", now)
    if change.kind is None:
        change = _apply(enrollment, module_id, "start", now)
    _announce([change])
    return _existing_record(enrollment_id, module_id)


def update_progress(actor, progress_id: int, completed: bool) -> Progress:
    """PATCH a record by id: the owner completes or reopens it."""
    row = db.session.execute(
        select(Progress.enrollment_id, Progress.module_id).where(Progress.id == progress_id)).first()
    if row is None:
        raise NotFound("No such progress record.")
    enrollment_id, module_id = row
    try:
        enrollment, _course = load_enrollment(actor, enrollment_id, write=True)
    except NotFound:
        raise NotFound("No such progress record.") from None  # not the enrollment's existence either
    action = "complete" if completed else "reopen"
    _announce([_apply(enrollment, module_id, action, utcnow())])
    return _record(progress_id)


@dataclass
class BulkItem:
    enrollment_id: int
    module_id: int
    completed: bool


@dataclass
class BulkResult:
    index: int
    enrollment_id: int
    module_id: int
    status: str  # "changed", "unchanged" or "error"
    record: Progress | None = None
    error: dict | None = None


def bulk_set_completed(actor, items: list[BulkItem]) -> list[BulkResult]:
    """Apply up to 1,000 completions in the caller's transaction.

    Authorization is all-or-nothing: if any enrollment is not the actor's, nothing is
    applied. Other problems (a module outside the course) fail only their own item.
    """
    if len(items) > MAX_BULK_ITEMS:
        raise Invalid(f"At most {MAX_BULK_ITEMS} items per request.", details={"items": "too many"})
    enrollment_ids = {item.enrollment_id for item in items}
    enrollments = {e.id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.id.in_(enrollment_ids)))}
    foreign = sorted(i for i in enrollment_ids if i not in enrollments or enrollments[i].user_id != actor.id)
    if foreign:
        raise NotFound("No such enrollment.", details={"enrollmentIds": foreign})
    module_courses = dict(db.session.execute(
        select(Module.id, Module.course_id).where(Module.id.in_({item.module_id for item in items}))).all())

    now = utcnow()
    results: list[BulkResult] = []
    changes: list[Change] = []
    for index, item in enumerate(items):
        enrollment = enrollments[item.enrollment_id]
        result = BulkResult(index, item.enrollment_id, item.module_id, "unchanged")
        if module_courses.get(item.module_id) != enrollment.course_id:
            result.status = "error"
            result.error = {"code": "invalid", "message": "The module is not part of this enrollment's course."}
        else:
            change = _apply(enrollment, item.module_id, "complete" if item.completed else "reopen", now)
            if change.kind is None and not item.completed:
                change = _apply(enrollment, item.module_id, "start", now)
            if change.kind is not None:
                result.status = "changed"
                changes.append(change)
        results.append(result)
    _announce(changes)

    wanted = {(r.enrollment_id, r.module_id) for r in results if r.status != "error"}
    if wanted:
        records = db.session.scalars(
            select(Progress).where(Progress.enrollment_id.in_(enrollment_ids),
                                   Progress.module_id.in_({m for _, m in wanted}))
            .execution_options(populate_existing=True))
        by_key = {(p.enrollment_id, p.module_id): p for p in records}
        for result in results:
            result.record = by_key.get((result.enrollment_id, result.module_id))
    return results
