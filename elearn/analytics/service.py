"""Course analytics: the questions an instructor's dashboard asks about one course.

Every figure is an SQL aggregate over indexed columns or the counters the other
features keep (``Course.module_count``, ``Enrollment.completed_count``,
``completed_at``, ``last_activity_at``). Nothing here loads a course's enrollments or
progress records into Python, and the number of statements does not grow with the
number of students or modules.

Access: every function here checks ``course_for_analytics`` (``access.py``).
"""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select, true

from ..auth.models import User
from ..cache import CATALOG_GENERATION, DEFAULT_TTL, Entry, cached, course_generation, peek
from ..catalog.models import Course, Module
from ..catalog.service import teaches_or_admin
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..errors import Forbidden, Invalid
from ..numbers import percentage
from ..pagination import Page, paginate
from ..prepared import Prepared
from ..progress.models import ModuleStats, Progress
from ..progress.pace import course_pace_seconds, pace_entry, predicted_completion
from ..read_replica import reads
from ..sql import at_rank, seconds_between
from ..text_search import contains_pattern
from ..web.downloads import csv_line_writer
from . import at_risk
from .access import course_for_analytics, facts_for_analytics

ACTIVE_WINDOW = timedelta(days=7)
#: A learner silent this long, short of the last module, has dropped off.
DROP_OFF_AFTER = timedelta(days=14)

#: The student list's orders; every one ends with the enrollment id so pages are stable.
STUDENT_SORTS = {
    "percentage": (Enrollment.completed_count.asc(),),
    "-percentage": (Enrollment.completed_count.desc(),),
    "lastActivityAt": (Enrollment.last_activity_at.asc().nulls_last(),),
    "-lastActivityAt": (Enrollment.last_activity_at.desc().nulls_last(),),
    "email": (User.email.asc(),),
    "-email": (User.email.desc(),),
    "name": (func.lower(User.name).asc(),),
    "-name": (func.lower(User.name).desc(),),
}
DEFAULT_STUDENT_SORT = "-lastActivityAt"

#: The student list's triage filters, each a question an instructor asks of a class.
STUDENT_STATUSES = ("at-risk", "inactive", "not-started", "below-25", "completed")
#: "Inactive": not finished, and silent (no activity, or never any since enrolling) for the
#: course's ``at_risk_after_days``. "At risk": any signal of ``at_risk``.
#: "Below 25%": not finished, with fewer than this share of the modules completed.
LOW_PROGRESS_PERCENT = 25

#: From this many enrollments, the figures that read the whole class and no counter holds
#: (the median time on each module, the triage counts) are recomputed every half minute
#: rather than at every change of the course: one learner's step moves them by less than
#: their rounding, while a busy large course changes every second. (The student list that
#: shows the counts is itself shared for up to half a minute: they trail by a minute at most.)
LARGE_CLASS = 2000
LARGE_CLASS_TTL = 30

NOT_STARTED, STARTED, COMPLETED = "not_started", "started", "completed"

CSV_COLUMNS = ("userId", "email", "name", "enrollmentId", "completedModules", "totalModules",
               "percentage", "lastActivityAt")
CSV_BATCH_SIZE = 1000


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 2)


def _days(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 86400, 2)


# --- one course's figures ----------------------------------------------------------------

@dataclass
class ModuleAnalytics:
    module_id: int
    title: str
    order: int
    started_count: int  # enrollments with a record for the module, completed or not
    completed_count: int
    completion_rate: float  # completed records over all enrollments of the course
    average_hours_to_complete: float | None


@dataclass
class DropOff:
    module_id: int
    learners: int


@dataclass
class CourseAnalytics:
    course_id: int
    title: str
    total_enrollments: int
    active_learners_7d: int
    average_completion: float
    completed_enrollments: int
    completion_rate: float
    average_days_to_complete: float | None
    modules: list[ModuleAnalytics]
    most_completed_module_id: int | None
    least_completed_module_id: int | None
    drop_off: list[DropOff]
    instructor_id: int | None = None  # who may read these figures (not part of the answer)


def course_analytics(actor, course_id: int, now: datetime | None = None) -> CourseAnalytics:
    """Every figure of the course dashboard: three statements (the course's own columns,
    the class's figures, the modules'), cached until the course's next change (or a few
    minutes, for the time-based figures).

    The cached figures name the course's instructor, so their instructor's (or an admin's)
    read needs no statement at all (the reader's role comes with their sign-in check, and a
    deleted course moves the catalog generation the figures are kept under). Anyone else
    gets the full check and its 403 or 404.
    """
    if now is None:
        found = peek(analytics_entry(course_id), computed_next=True)
        if found is not None and teaches_or_admin(actor, found.instructor_id):
            return found
    return analytics_of(facts_for_analytics(actor, course_id), now)


def analytics_entry(course_id: int) -> Entry:
    """Where ``course_analytics`` keeps a course's figures."""
    return Entry((course_generation(course_id), CATALOG_GENERATION), f"course-analytics:{course_id}",
                 CourseAnalytics)


def analytics_of(course: Course, now: datetime | None = None) -> CourseAnalytics:
    """``course_analytics`` of a course whose access the caller has checked."""
    if now is not None:
        return _course_analytics(course, now)
    return cached(analytics_entry(course.id), lambda: _course_analytics(course), ttl=figures_ttl(course))


def figures_ttl(course: Course) -> int:
    """How long the course's figures, and what is rendered from them, may be kept: in a
    large class, as long as the class-wide figures they include (``class_figures``), so
    each layer (the figures, their HTML, the page) adds at most that half minute."""
    return LARGE_CLASS_TTL if is_large_class(course) else DEFAULT_TTL


def is_large_class(course: Course) -> bool:
    """Whether the course has ``LARGE_CLASS`` enrollments or more."""
    return course.enrollment_count >= LARGE_CLASS


def _course_analytics(course: Course, now: datetime | None = None) -> CourseAnalytics:
    """The figures as of ``now`` (None: as of this moment, the class-wide ones of a large
    class possibly shared from the last half minute: ``class_figures``)."""
    cohort = class_figures(course, now)
    modules = module_completion_rates(course.id, course.enrollment_count)
    completed_modules = sum(m.completed_count for m in modules)  # = the sum of the enrollments' counters
    # max/min keep the first of equals, and the list is in module order: ties go to the lower order.
    most = max(modules, key=lambda m: m.completed_count, default=None)
    least = min(modules, key=lambda m: m.completed_count, default=None)
    return CourseAnalytics(
        course_id=course.id,
        instructor_id=course.instructor_id,
        title=course.title,
        total_enrollments=course.enrollment_count,
        active_learners_7d=cohort.active_7d,
        average_completion=percentage(completed_modules, course.enrollment_count * course.module_count),
        completed_enrollments=cohort.completed,
        completion_rate=percentage(cohort.completed, course.enrollment_count),
        average_days_to_complete=_days(cohort.average_seconds_to_complete),
        modules=modules,
        most_completed_module_id=most.module_id if most else None,
        least_completed_module_id=least.module_id if least else None,
        drop_off=[DropOff(m.module_id, cohort.stopped_at.get(m.order, 0)) for m in modules],
    )


@dataclass
class ClassFigures:
    """What the dashboard counts over the class's enrollments (the total is the course's
    counter): who was active this week, who completed and how long it took them, and where
    the idle learners stopped (module position: learners)."""
    active_7d: int
    completed: int
    average_seconds_to_complete: float | None
    stopped_at: dict[int, int]


def class_figures(course: Course, now: datetime | None = None) -> ClassFigures:
    """One statement reading index ranges of the course's enrollments (``CLASS_FIGURES``):
    as of ``now``, or (None) as of this moment, shared for ``LARGE_CLASS_TTL`` in a large
    class (``class_wide``), where a busy course changes every second and one learner's
    step moves these by less than their rounding.

    Active this week: an activity in the last ``ACTIVE_WINDOW``. Completed: with the mean
    time from enrolling to completing. Drop-off: for each module position, the idle
    learners who stopped just before it. A learner stopped at the module after their
    furthest completed one (the first module when they completed none) if neither an
    activity nor, lacking any, their enrolment is more recent than ``DROP_OFF_AFTER``.
    Learners who completed the course are not counted.
    """
    def compute() -> ClassFigures:
        at = now or utcnow()
        rows = CLASS_FIGURES.execute(reads(), {"course_id": course.id, "active_since": at - ACTIVE_WINDOW,
                                               "idle_before": at - DROP_OFF_AFTER}).all()
        active, completed, average_seconds = rows[0][:3]  # (every row repeats them)
        return ClassFigures(active, completed, None if average_seconds is None else float(average_seconds),
                            stopped_at={int(position): int(learners)
                                        for *_, position, learners in rows if position is not None})

    if now is None and is_large_class(course):
        return class_wide(course, "class-figures", compute, ClassFigures)
    return compute()


# The dashboard's statements, each built once and prepared on every PostgreSQL
# connection (``prepared.py``): parsing and planning them cost as much as running them.
_COURSE = bindparam("course_id", type_=Integer)


def _class_figures_statement() -> Prepared:
    """The class's figures (``class_figures``) in one statement: a row of the three counts
    over the course's enrollments (each an index range: ``ix_enrollments_course_activity``,
    ``ix_enrollments_course_state``), joined to the drop-off's rows (a range of
    ``ix_enrollments_course_unfinished`` read from the index alone), so one row at least."""
    this_course = Enrollment.course_id == _COURSE
    completed = Enrollment.completed_at.is_not(None)

    def figure(*columns):
        return select(*columns).select_from(Enrollment)

    counts = select(
        figure(func.count()).where(this_course, Enrollment.last_activity_at >= bindparam(
            "active_since", type_=Enrollment.last_activity_at.type)).scalar_subquery().label("active"),
        figure(func.count()).where(this_course, completed).scalar_subquery().label("completed"),
        figure(func.avg(seconds_between(Enrollment.enrolled_at, Enrollment.completed_at)))
        .where(this_course, completed).scalar_subquery().label("average_seconds"),
    ).subquery("counts")
    stopped = (
        select((Enrollment.furthest_position + 1).label("position"), func.count().label("learners"))
        .where(this_course, Enrollment.completed_at.is_(None),
               Enrollment.idle_since < bindparam("idle_before", type_=Enrollment.enrolled_at.type))
        .group_by(Enrollment.furthest_position)).subquery("stopped")
    return Prepared("elearn_class_figures", select(
        counts.c.active, counts.c.completed, counts.c.average_seconds, stopped.c.position, stopped.c.learners)
        .select_from(counts.outerjoin(stopped, true())).order_by(stopped.c.position))


def _module_rates_statement() -> Prepared:
    # Each sum is a subquery on the module's own counter rows, so every plan reads them by
    # key: joined instead, PostgreSQL may judge reading the whole platform's counters
    # cheaper than a few lookups, and the cost would follow the platform, not the course.
    def total(column, name):
        return (select(func.coalesce(func.sum(column), 0)).where(ModuleStats.module_id == Module.id)
                .scalar_subquery().label(name))

    return Prepared("elearn_module_rates", (
        select(Module.id, Module.title, Module.position, total(ModuleStats.started_count, "started"),
               total(ModuleStats.completed_count, "completed"), total(ModuleStats.completion_seconds, "seconds"))
        .where(Module.course_id == _COURSE)
        .order_by(Module.position)))


CLASS_FIGURES, MODULE_RATES = _class_figures_statement(), _module_rates_statement()


def module_completion_rates(course_id: int, total_enrollments: int) -> list[ModuleAnalytics]:
    """Per module, in order: who started and completed it and how long it took, from the
    module counters (``ModuleStats``: a few rows per module, whatever the class size)."""
    return [
        ModuleAnalytics(module_id, title, position, int(started), int(done),
                        percentage(int(done), total_enrollments),
                        _hours(int(seconds) / int(done)) if done else None)
        for module_id, title, position, started, done, seconds in MODULE_RATES.execute(
            reads(), {"course_id": course_id})
    ]


def class_wide(course: Course, key: str, compute, kind: type, ttl: int = DEFAULT_TTL):
    """``cached`` for a figure of the whole class: until the course changes, or for
    ``LARGE_CLASS_TTL`` seconds in a class of ``LARGE_CLASS`` or more."""
    return cached(class_wide_entry(course, key, kind), compute, ttl=LARGE_CLASS_TTL if is_large_class(course) else ttl)


def class_wide_entry(course: Course, key: str, kind: type) -> Entry:
    """Where ``class_wide`` keeps the figure ``key`` of the course's class."""
    if is_large_class(course):
        return Entry((CATALOG_GENERATION,), f"{key}:{course.id}", kind)
    return Entry((course_generation(course.id), CATALOG_GENERATION), f"{key}:{course.id}", kind)


def dashboard_entries(course: Course) -> list[Entry]:
    """Every cached figure the course dashboard may read, to be fetched in one round trip
    (``cache.read_ahead``) once access to the course is checked."""
    entries = [analytics_entry(course.id), class_wide_entry(course, "median-active-seconds", dict[int, int]),
               *_triage_entries(course)]  # ("Needs attention" shows how many)
    if is_large_class(course):
        entries.append(class_wide_entry(course, "class-figures", ClassFigures))
    return entries


def student_list_entries(course: Course) -> list[Entry]:
    """Every cached value the course's student list may read (``dashboard_entries``)."""
    return [pace_entry(course.id), *_triage_entries(course)]


def _triage_entries(course: Course) -> list[Entry]:
    """The triage counts, and the at-risk baselines they are counted with."""
    return [class_wide_entry(course, "student-status-counts", dict[str, int]), at_risk.baselines_entry(course)]


def median_active_seconds(course: Course) -> dict[int, int]:
    """Per module, the median active time (heartbeats of its page) of the learners who spent
    any: one statement over the course's records with time (``class_wide``)."""
    def compute() -> dict[int, int]:
        spent = (select(Progress).join(Module, Module.id == Progress.module_id)
                 .where(Module.course_id == course.id, Progress.active_seconds > 0))
        rows = reads().execute(at_rank(Progress.active_seconds, spent, group=Progress.module_id))
        return {module_id: int(seconds) for module_id, seconds in rows}

    return class_wide(course, "median-active-seconds", compute, dict[int, int])


# --- the student list -------------------------------------------------------------------

@dataclass
class StudentRow:
    user_id: int
    email: str
    name: str
    enrollment_id: int
    completed_modules: int
    total_modules: int
    last_activity_at: datetime | None
    predicted_completion_at: datetime | None = None

    @property
    def percentage(self) -> float:
        return percentage(self.completed_modules, self.total_modules)


def _status_condition(status: str, course: Course, now: datetime):
    """Which of the course's enrollments a triage filter keeps."""
    if status not in STUDENT_STATUSES:
        raise Invalid(gettext("Unknown filter."), details={"status": gettext("one of %(choices)s", choices=", ".join(STUDENT_STATUSES))})
    not_finished = Enrollment.completed_at.is_(None)
    if status == "at-risk":
        return at_risk.at_risk_condition(course, now)
    if status == "inactive":
        return and_(not_finished, Enrollment.idle_since < now - timedelta(days=course.at_risk_after_days))
    if status == "not-started":
        return Enrollment.last_activity_at.is_(None)
    if status == "below-25":
        return and_(not_finished, Enrollment.completed_count * 100 < LOW_PROGRESS_PERCENT * course.module_count)
    return Enrollment.completed_at.is_not(None)


def _students_query(course: Course, q: str | None, sort: str, status: str | None = None,
                    now: datetime | None = None) -> Select:
    """The course's students (one row per enrollment), filtered by ``q`` and ``status``, sorted."""
    if sort not in STUDENT_SORTS:
        raise Invalid(gettext("Unknown sort order."), details={"sort": gettext("one of %(choices)s", choices=", ".join(STUDENT_SORTS))})
    stmt = (
        select(User.id, User.email, User.name, Enrollment.id, Enrollment.completed_count,
               Enrollment.last_activity_at, Enrollment.enrolled_at)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.course_id == course.id)
        .order_by(*STUDENT_SORTS[sort], Enrollment.id)
    )
    if q and q.strip():
        pattern = contains_pattern(q)  # emails are stored lower-case; names are not
        stmt = stmt.where(or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    if status:
        stmt = stmt.where(_status_condition(status, course, now or utcnow()))
    return stmt


def student_status_counts(course: Course, now: datetime | None = None) -> dict[str, int]:
    """How many of the course's students each triage filter holds: one statement over the
    class (``class_wide``; any progress in the course bumps its generation)."""
    now = now or utcnow()

    def count() -> dict[str, int]:
        counts = reads().execute(select(*(
            func.count().filter(_status_condition(status, course, now)) for status in STUDENT_STATUSES
        )).where(Enrollment.course_id == course.id)).one()
        return dict(zip(STUDENT_STATUSES, (int(n) for n in counts), strict=True))

    return class_wide(course, "student-status-counts", count, dict[str, int])


def students_of(course: Course, q, sort, page, per_page, status: str | None = None) -> Page:
    """``course_students`` of a course whose access the caller has checked."""
    # Without a search or filter the list is every enrollment: the course's counter says how many.
    count = None if (q and q.strip()) or status else course.enrollment_count
    result = paginate(_students_query(course, q, sort, status), page, per_page, scalars=False, session=reads(),
                      count=count)
    now, pace = utcnow(), course_pace_seconds(course.id)
    result.items = [
        StudentRow(user_id, email, name, enrollment_id, done, course.module_count, last_activity_at,
                   predicted_completion(enrolled_at=enrolled_at, last_activity_at=last_activity_at, completed=done,
                                        total=course.module_count, now=now, course_seconds_per_module=pace))
        for user_id, email, name, enrollment_id, done, last_activity_at, enrolled_at in result.items]
    return result


def course_students(actor, course_id: int, q: str | None = None, sort: str = DEFAULT_STUDENT_SORT,
                    page: int = 1, per_page: int = 50, status: str | None = None) -> Page:
    """A page of the course's students (``StudentRow`` items): a count and a page query.

    ``q`` matches email or name anywhere, as typed. Sorting by percentage sorts by
    completed modules (every enrollment of a course has the same total); learners with no
    activity come last either way; ties go by enrollment id. ``status`` is one of the triage
    filters (``STUDENT_STATUSES``).
    """
    course = course_for_analytics(actor, course_id)
    return students_of(course, q, sort, page, per_page, status)


@dataclass
class GridModule:
    module_id: int
    title: str
    order: int


@dataclass
class GridRow:
    student: StudentRow
    states: list[str]  # NOT_STARTED, STARTED or COMPLETED, one per module in module order


@dataclass
class StudentModuleGrid:
    course_id: int
    title: str
    modules: list[GridModule]
    students: Page  # items are GridRow


def student_module_grid(actor, course_id: int, sort: str = DEFAULT_STUDENT_SORT, q: str | None = None,
                        page: int = 1, per_page: int = 25) -> StudentModuleGrid:
    """The heatmap: a page of students and each one's state in every module.

    The page's students as ``course_students`` lists them, the modules, and the records of
    exactly those enrollments: four queries whatever the page or course size.
    """
    course = course_for_analytics(actor, course_id)
    students = students_of(course, q, sort, page, per_page)
    modules = [GridModule(*row) for row in reads().execute(
        select(Module.id, Module.title, Module.position)
        .where(Module.course_id == course.id).order_by(Module.position))]
    states: dict[tuple[int, int], str] = {}
    if students.items:
        records = reads().execute(
            select(Progress.enrollment_id, Progress.module_id, Progress.completed)
            .where(Progress.enrollment_id.in_([s.enrollment_id for s in students.items])))
        states = {(e, m): COMPLETED if done else STARTED for e, m, done in records}
    students.items = [
        GridRow(s, [states.get((s.enrollment_id, m.module_id), NOT_STARTED) for m in modules])
        for s in students.items
    ]
    return StudentModuleGrid(course.id, course.title, modules, students)


# --- "My courses" -----------------------------------------------------------------------

@dataclass
class CourseOverview:
    course_id: int
    title: str
    published: bool
    module_count: int
    total_enrollments: int
    average_completion: float
    completion_rate: float
    active_learners_7d: int


def courses_overview(actor, now: datetime | None = None) -> list[CourseOverview]:
    """The instructor's courses (an admin's: all), each with its headline figures: one
    grouped query, ordered by title."""
    if actor.role not in ("instructor", "admin"):
        raise Forbidden(gettext("Only instructors and admins have course analytics."))
    now = now or utcnow()
    stmt = (
        select(
            Course.id, Course.title, Course.published, Course.module_count,
            func.count(Enrollment.id),
            func.coalesce(func.sum(Enrollment.completed_count), 0),
            func.count(Enrollment.completed_at),
            func.count(Enrollment.id).filter(Enrollment.last_activity_at >= now - ACTIVE_WINDOW),
        )
        .outerjoin(Enrollment, Enrollment.course_id == Course.id)
        .group_by(Course.id, Course.title, Course.published, Course.module_count)
        .order_by(Course.title, Course.id)
    )
    if actor.role != "admin":
        stmt = stmt.where(Course.instructor_id == actor.id)
    return [
        CourseOverview(course_id, title, published, module_count, total,
                       percentage(int(completed_modules), total * module_count),
                       percentage(completed, total), active)
        for course_id, title, published, module_count, total, completed_modules, completed, active
        in reads().execute(stmt)
    ]


# --- CSV export -------------------------------------------------------------------------

def students_csv_rows(actor, course_id: int, q: str | None = None,
                      sort: str = DEFAULT_STUDENT_SORT, status: str | None = None) -> Iterator[str]:
    """The student list as CSV lines, header first, for a streamed download.

    Access and the query are checked now, so a refusal is an ordinary error response;
    the rows are read only as the returned generator is consumed, ``CSV_BATCH_SIZE`` at a
    time (a server-side cursor on PostgreSQL), so a large course never sits in memory.
    """
    course = course_for_analytics(actor, course_id)
    # Plain values only: the request commits (expiring ORM objects) before the body streams.
    return _csv_lines(_students_query(course, q, sort, status), course.module_count)


def _csv_lines(stmt: Select, total_modules: int) -> Iterator[str]:
    line = csv_line_writer()
    yield line(CSV_COLUMNS)
    result = reads().execute(stmt.execution_options(yield_per=CSV_BATCH_SIZE))
    try:
        for user_id, email, name, enrollment_id, done, last_activity_at, _enrolled_at in result:
            yield line((user_id, email, name, enrollment_id, done, total_modules,
                        percentage(done, total_modules),
                        last_activity_at.isoformat() if last_activity_at else None))
    finally:
        result.close()
