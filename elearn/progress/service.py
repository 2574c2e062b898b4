"""Progress rules: the seed's ProgressService, safe under concurrency.

- A record exists at most once per (enrollment, module); writes are INSERT .. ON CONFLICT
  on that key, never check-then-insert, so identical requests racing each other leave
  one record and move the counters once.
- Only the enrollment's owner writes. The owner, the course's instructor and admins read;
  anyone else is told the enrollment does not exist.
- Each change updates the enrollment's counters, appends a ProgressEvent and queues a
  ``progress.updated`` event for after the commit, all in the caller's transaction.
- A completion awards the achievements it earned in that same transaction.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from ..achievements.service import award_after_completion
from ..auth.models import User
from ..cache import CATALOG_GENERATION, cached, user_generation
from ..catalog.models import Course, Module
from ..db_types import UTCDateTime, utcnow
from ..enrollments.models import Enrollment
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..pagination import Page, paginate
from ..read_replica import reads
from ..realtime.events import publish_after_commit
from ..text_search import contains_pattern
from .models import Progress, ProgressEvent
from .numbers import percentage

MAX_BULK_ITEMS = 1000
MAX_BATCH_IDS = 100


# --- access ---------------------------------------------------------------------------

def _may_read(actor, enrollment: Enrollment, instructor_id: int) -> bool:
    return enrollment.user_id == actor.id or actor.role == "admin" or instructor_id == actor.id


def load_enrollment(actor, enrollment_id: int, write: bool = False) -> tuple[Enrollment, Course]:
    """The enrollment and its course, if ``actor`` may read it (404) and write it (403)."""
    row = db.session.execute(
        select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.id == enrollment_id)
    ).first()
    if row is None or not _may_read(actor, row[0], row[1].instructor_id):
        raise NotFound("No such enrollment.")
    if write and row[0].user_id != actor.id:
        raise Forbidden("Only the learner can change their own progress.")
    return row[0], row[1]


def _check_module_in_course(module_id: int, course_id: int) -> None:
    found = db.session.scalar(select(Module.course_id).where(Module.id == module_id))
    if found != course_id:
        raise Invalid("The module is not part of this enrollment's course.",
                      details={"moduleId": "not in the enrollment's course"})


# --- writes ---------------------------------------------------------------------------

def _insert():
    """INSERT with ON CONFLICT for the database in use."""
    return (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert(Progress)


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
        return self.kind == "completed" and 0 < self.course_total <= self.course_completed


def _write_completed(enrollment_id: int, module_id: int, now: datetime) -> int | None:
    """Complete (creating if needed); the record id when this call changed it."""
    stmt = _insert().values(enrollment_id=enrollment_id, module_id=module_id, completed=True,
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
    stmt = _insert().values(enrollment_id=enrollment_id, module_id=module_id, completed=False,
                            started_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_nothing(index_elements=["enrollment_id", "module_id"]).returning(Progress.id)
    return db.session.execute(stmt).scalar()


def _move_counters(enrollment: Enrollment, delta: int, now: datetime) -> tuple[int, int]:
    """Apply ``delta`` completed modules and the activity time; return (completed, total).

    One UPDATE: the row lock makes concurrent changes to one enrollment apply in turn,
    each on the value the previous one left. The values it returns are written into the
    loaded ``enrollment`` so the rest of the request reads them, not stale ones.
    """
    total = select(Course.module_count).where(Course.id == Enrollment.course_id).scalar_subquery()
    new_count = Enrollment.completed_count + delta
    now_value = literal(now, UTCDateTime())
    stmt = (
        update(Enrollment).where(Enrollment.id == enrollment.id)
        .values(
            completed_count=new_count,
            last_activity_at=now_value,
            completed_at=case((and_(total > 0, new_count >= total),
                               func.coalesce(Enrollment.completed_at, now_value)), else_=None),
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


def _award_achievements(changes: list[Change]) -> None:
    """Award the badges the completions earned: once per (user, course) however many
    modules of it one request completed."""
    completions: dict[tuple[int, int], Change] = {}
    course_completed: set[tuple[int, int]] = set()
    for change in changes:
        if change.kind == "completed":
            pair = (change.enrollment.user_id, change.enrollment.course_id)
            completions[pair] = change
            if change.completed_the_course:
                course_completed.add(pair)
    for (user_id, course_id), change in completions.items():
        award_after_completion(user_id, course_id, (user_id, course_id) in course_completed, change.occurred_at)


def _announce(changes: list[Change]) -> None:
    """Queue one ``progress.updated`` event per change (CONTRACT.md "Real-time"), then
    award (and announce) the achievements the completions earned."""
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
    _award_achievements(changes)


def _record(progress_id: int) -> Progress:
    return db.session.scalar(select(Progress).where(Progress.id == progress_id)
                             .execution_options(populate_existing=True))


def _existing_record(enrollment_id: int, module_id: int) -> Progress:
    return db.session.scalar(
        select(Progress).where(Progress.enrollment_id == enrollment_id, Progress.module_id == module_id)
        .execution_options(populate_existing=True))


def start_module(actor, enrollment_id: int, module_id: int, completed: bool = False) -> Progress:
    """Create the record for a module (the seed's POST /progress); 409 when it exists."""
    enrollment, _course = load_enrollment(actor, enrollment_id, write=True)
    _check_module_in_course(module_id, enrollment.course_id)
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
    _check_module_in_course(module_id, enrollment.course_id)
    change = _apply(enrollment, module_id, "complete", utcnow())
    _announce([change])
    return _existing_record(enrollment_id, module_id)


def set_module_completed(actor, enrollment_id: int, module_id: int, completed: bool) -> Progress:
    """Complete or reopen a module (the browser's Mark complete / Undo buttons)."""
    if completed:
        return mark_module_completed(actor, enrollment_id, module_id)
    enrollment, _course = load_enrollment(actor, enrollment_id, write=True)
    _check_module_in_course(module_id, enrollment.course_id)
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
        raise NotFound("No such progress record.")
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


# --- reads ----------------------------------------------------------------------------

def records_of_enrollment(actor, enrollment_id: int) -> list[Progress]:
    load_enrollment(actor, enrollment_id)
    return list(db.session.scalars(
        select(Progress).join(Module, Module.id == Progress.module_id)
        .where(Progress.enrollment_id == enrollment_id).order_by(Module.position)))


def records_of_user(actor, page=1, per_page=50) -> Page:
    stmt = (
        select(Progress).join(Enrollment, Enrollment.id == Progress.enrollment_id)
        .where(Enrollment.user_id == actor.id)
        .order_by(Progress.updated_at.desc(), Progress.id.desc())
    )
    return paginate(stmt, page, per_page)


def all_records(actor, user_id=None, course_id=None, completed=None, page=1, per_page=50) -> Page:
    """Every progress record (admin), newest change first."""
    if actor.role != "admin":
        raise Forbidden("Only admins can list every progress record.")
    stmt = select(Progress).order_by(Progress.updated_at.desc(), Progress.id.desc())
    if user_id is not None or course_id is not None:
        stmt = stmt.join(Enrollment, Enrollment.id == Progress.enrollment_id)
        if user_id is not None:
            stmt = stmt.where(Enrollment.user_id == user_id)
        if course_id is not None:
            stmt = stmt.where(Enrollment.course_id == course_id)
    if completed is not None:
        stmt = stmt.where(Progress.completed.is_(completed))
    return paginate(stmt, page, per_page)


@dataclass
class ModuleStatus:
    module_id: int
    title: str
    order: int
    started: bool
    completed: bool
    started_at: datetime | None
    completed_at: datetime | None


@dataclass
class CourseProgress:
    enrollment_id: int
    course_id: int
    course_title: str
    total_modules: int
    completed_modules: int
    modules: list[ModuleStatus] = field(default_factory=list)
    user_id: int | None = None
    last_activity_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def percentage(self) -> float:
        return percentage(self.completed_modules, self.total_modules)


def _course_progresses(pairs: list[tuple[Enrollment, Course]]) -> list[CourseProgress]:
    """Module-by-module progress for several enrollments in one query."""
    result = {
        e.id: CourseProgress(e.id, c.id, c.title, c.module_count, e.completed_count, user_id=e.user_id,
                             last_activity_at=e.last_activity_at, completed_at=e.completed_at)
        for e, c in pairs
    }
    if not result:
        return []
    rows = reads().execute(
        select(Enrollment.id, Module.id, Module.title, Module.position, Progress.id,
               Progress.completed, Progress.started_at, Progress.completed_at)
        .join(Module, Module.course_id == Enrollment.course_id)
        .outerjoin(Progress, and_(Progress.module_id == Module.id, Progress.enrollment_id == Enrollment.id))
        .where(Enrollment.id.in_(result))
        .order_by(Enrollment.id, Module.position)
    )
    for enrollment_id, module_id, title, position, progress_id, done, started_at, completed_at in rows:
        result[enrollment_id].modules.append(ModuleStatus(
            module_id, title, position, progress_id is not None, bool(done), started_at, completed_at))
    return [result[e.id] for e, _ in pairs]


def course_progress(actor, enrollment_id: int) -> CourseProgress:
    enrollment, course = load_enrollment(actor, enrollment_id)
    return cached((user_generation(enrollment.user_id), CATALOG_GENERATION), f"course-progress:{enrollment_id}",
                  lambda: _course_progresses([(enrollment, course)])[0])


def course_progresses(actor, enrollment_ids: list[int]) -> list[CourseProgress]:
    """Several course progresses at once; any id the actor may not read is a 404."""
    if len(enrollment_ids) > MAX_BATCH_IDS:
        raise Invalid(f"At most {MAX_BATCH_IDS} ids per request.", details={"ids": "too many"})
    pairs = db.session.execute(
        select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.id.in_(enrollment_ids))).all()
    found = {e.id: (e, c) for e, c in pairs if _may_read(actor, e, c.instructor_id)}
    missing = [i for i in enrollment_ids if i not in found]
    if missing:
        raise NotFound("No such enrollment.", details={"ids": missing})
    return _course_progresses([found[i] for i in dict.fromkeys(enrollment_ids)])


@dataclass
class CourseSummary:
    course_id: int
    enrollment_id: int
    title: str
    total_modules: int
    completed_modules: int
    thumbnail_url: str | None = None
    last_activity_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def percentage(self) -> float:
        return percentage(self.completed_modules, self.total_modules)


@dataclass
class OverallProgress:
    courses: list[CourseSummary]

    @property
    def total_courses(self) -> int:
        return len(self.courses)

    @property
    def total_modules(self) -> int:
        return sum(c.total_modules for c in self.courses)

    @property
    def completed_modules(self) -> int:
        return sum(c.completed_modules for c in self.courses)

    @property
    def percentage(self) -> float:
        """Modules completed over modules enrolled: 18/25 = 72%, not a mean of courses."""
        return percentage(self.completed_modules, self.total_modules)


def overall_progress(user_id: int) -> OverallProgress:
    """A user's progress across their enrollments: one indexed query over counters (cached)."""
    return cached((user_generation(user_id), CATALOG_GENERATION), f"overall:{user_id}",
                  lambda: _overall_progress(user_id))


def _overall_progress(user_id: int) -> OverallProgress:
    rows = reads().execute(
        select(Enrollment, Course.title, Course.module_count, Course.thumbnail_url)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user_id)
        .order_by(Enrollment.enrolled_at, Enrollment.id)
    )
    return OverallProgress([
        CourseSummary(e.course_id, e.id, title, total, e.completed_count, thumb,
                      e.last_activity_at, e.completed_at)
        for e, title, total, thumb in rows
    ])


@dataclass
class RecordRow:
    """A progress record with the names a person reads (the admin's browser)."""

    id: int
    user_id: int
    user_email: str
    user_name: str
    course_id: int
    course_title: str
    module_title: str
    module_order: int
    completed: bool
    started_at: datetime
    completed_at: datetime | None
    updated_at: datetime


def browse_records(actor, user_q=None, course_id=None, completed=None, page=1, per_page=50) -> Page:
    """Every progress record with its learner, course and module (admin), newest change
    first; ``user_q`` matches the learner's email or name. One query per page plus a count."""
    if actor.role != "admin":
        raise Forbidden("Only admins can browse every progress record.")
    stmt = (
        select(Progress.id, User.id, User.email, User.name, Course.id, Course.title, Module.title,
               Module.position, Progress.completed, Progress.started_at, Progress.completed_at,
               Progress.updated_at)
        .join(Enrollment, Enrollment.id == Progress.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Course, Course.id == Enrollment.course_id)
        .join(Module, Module.id == Progress.module_id)
        .order_by(Progress.updated_at.desc(), Progress.id.desc())
    )
    if user_q:
        pattern = contains_pattern(user_q)
        stmt = stmt.where(or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    if course_id is not None:
        stmt = stmt.where(Enrollment.course_id == course_id)
    if completed is not None:
        stmt = stmt.where(Progress.completed.is_(completed))
    result = paginate(stmt, page, per_page, scalars=False)
    result.items = [RecordRow(*row) for row in result.items]
    return result
