"""Progress reads: a learner's records, course progress and overall progress, and the
admin's list of every record.

Overall and course progress read the enrollment counters (``counters.py``), never by
counting records, and are cached until the learner's next change.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import Integer, and_, bindparam, or_, select

from ..auth.models import User
from ..cache import CATALOG_GENERATION, Entry, cached, peek, user_generation
from ..catalog.models import Course, Module
from ..enrollments.models import Enrollment
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..numbers import percentage
from ..pagination import Page, paginate
from ..prepared import Prepared
from ..read_replica import reads
from ..storage import thumbnail_address, thumbnail_srcset
from ..text_search import contains_pattern
from .access import load_enrollment, may_read
from .models import Progress

MAX_BATCH_IDS = 100


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


@dataclass
class ModuleStatus:
    module_id: int
    title: str
    order: int
    started: bool
    completed: bool
    started_at: datetime | None
    completed_at: datetime | None
    #: "learner" (their click) or "rule" (the module's completion rule) once completed.
    completed_by: str | None = None


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
               Progress.completed, Progress.started_at, Progress.completed_at, Progress.completed_by)
        .join(Module, Module.course_id == Enrollment.course_id)
        .outerjoin(Progress, and_(Progress.module_id == Module.id, Progress.enrollment_id == Enrollment.id))
        .where(Enrollment.id.in_(result))
        .order_by(Enrollment.id, Module.position)
    )
    for enrollment_id, module_id, title, position, progress_id, done, started_at, completed_at, by in rows:
        result[enrollment_id].modules.append(ModuleStatus(
            module_id, title, position, progress_id is not None, bool(done), started_at, completed_at,
            by if done else None))
    return [result[e.id] for e, _ in pairs]


def course_progress_entry(learner_id: int, enrollment_id: int) -> Entry:
    """Where ``course_progress`` keeps an enrollment of ``learner_id``."""
    return Entry((user_generation(learner_id), CATALOG_GENERATION), f"course-progress:{enrollment_id}",
                 CourseProgress)


def course_progress(actor, enrollment_id: int) -> CourseProgress:
    """One enrollment's progress. The learner's own read is answered from the cache alone:
    the cached value names its learner and is kept under their generation, which their
    leaving the course moves too. Anyone else's read checks the enrollment first."""
    own = peek(course_progress_entry(actor.id, enrollment_id))
    if own is not None and own.user_id == actor.id:
        return own
    enrollment, course = load_enrollment(actor, enrollment_id)
    return cached(course_progress_entry(enrollment.user_id, enrollment_id),
                  lambda: _course_progresses([(enrollment, course)])[0])


def course_progresses(actor, enrollment_ids: list[int]) -> list[CourseProgress]:
    """Several course progresses at once; any id the actor may not read is a 404."""
    if len(enrollment_ids) > MAX_BATCH_IDS:
        raise Invalid(gettext("At most %(count)s ids per request.", count=MAX_BATCH_IDS), details={"ids": gettext("too many")})
    pairs = db.session.execute(
        select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.id.in_(enrollment_ids))).all()
    found = {e.id: (e, c) for e, c in pairs if may_read(actor, e, c.instructor_id)}
    missing = [i for i in enrollment_ids if i not in found]
    if missing:
        raise NotFound(gettext("No such enrollment."), details={"ids": missing})
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
    thumbnail_key: str | None = None

    @property
    def percentage(self) -> float:
        return percentage(self.completed_modules, self.total_modules)

    @property
    def thumbnail_address(self) -> str | None:
        return thumbnail_address(self.thumbnail_key, self.thumbnail_url)

    def thumbnail_srcset(self, image_format: str) -> str:
        return thumbnail_srcset(self.thumbnail_key, image_format)


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


def overall_progress_entry(user_id: int) -> Entry:
    """Where ``overall_progress`` keeps a user's."""
    return Entry((user_generation(user_id), CATALOG_GENERATION), f"overall:{user_id}", OverallProgress)


def overall_progress(user_id: int) -> OverallProgress:
    """A user's progress across their enrollments: one indexed query over counters (cached)."""
    return cached(overall_progress_entry(user_id), lambda: _overall_progress(user_id))


def _overall_progress(user_id: int) -> OverallProgress:
    return OverallProgress([CourseSummary(*row) for row in OVERALL.execute(reads(), {"user_id": user_id})])


#: One learner's enrollments with their courses' names and sizes, in the order they
#: enrolled: every uncached overall read sends it, so it is built once and prepared.
OVERALL = Prepared("elearn_overall_progress", (
    select(Enrollment.course_id, Enrollment.id, Course.title, Course.module_count, Enrollment.completed_count,
           Course.thumbnail_url, Enrollment.last_activity_at, Enrollment.completed_at, Course.thumbnail_key)
    .join(Course, Course.id == Enrollment.course_id)
    .where(Enrollment.user_id == bindparam("user_id", type_=Integer))
    .order_by(Enrollment.enrolled_at, Enrollment.id)))


@dataclass
class RecordRow:
    """A progress record with the names a person reads."""

    id: int
    enrollment_id: int
    module_id: int
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


def list_records(actor, *, user_id=None, q=None, course_id=None, completed=None, page=1, per_page=50) -> Page:
    """Every progress record with its learner, course and module (admins), newest change
    first, for the admin's page and ``GET /api/progress`` alike. ``q`` matches the learner's
    email or name as typed. One query per page plus a count."""
    if actor.role != "admin":
        raise Forbidden(gettext("Only admins can list every progress record."))
    stmt = (
        select(Progress.id, Progress.enrollment_id, Progress.module_id, User.id, User.email, User.name,
               Course.id, Course.title, Module.title, Module.position, Progress.completed, Progress.started_at,
               Progress.completed_at, Progress.updated_at)
        .join(Enrollment, Enrollment.id == Progress.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Course, Course.id == Enrollment.course_id)
        .join(Module, Module.id == Progress.module_id)
        .order_by(Progress.updated_at.desc(), Progress.id.desc())
    )
    if user_id is not None:
        stmt = stmt.where(Enrollment.user_id == user_id)
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    if course_id is not None:
        stmt = stmt.where(Enrollment.course_id == course_id)
    if completed is not None:
        stmt = stmt.where(Progress.completed.is_(completed))
    result = paginate(stmt, page, per_page, scalars=False)
    result.items = [RecordRow(*row) for row in result.items]
    return result
