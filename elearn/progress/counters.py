"""The counters progress keeps, their one completion rule, and their recounts.

Each enrollment carries ``completed_count``, ``completed_at``, ``last_activity_at`` and
``furthest_position``; each module its ``ModuleStats`` (records started and completed,
summed completion seconds). They move in the same transaction as every progress write
(``writes.py``) and every change to the course's modules (the catalog's signals, received
here), so dashboards and analytics read them instead of counting progress rows.

**The completion rule**, written once: an enrollment is completed when its completed
count reaches the course's module count (a course without modules is never completed),
and ``completed_at`` is set once, when it first gets there; it is cleared when the
enrollment falls short again. ``completion_time`` is the rule in SQL, ``is_complete`` the
same rule for rows built in Python (``flask generate``).

``recount_enrollments`` and ``recount_module_stats`` rebuild the counters from the rows
(in SQL, nothing loaded into Python): bulk loaders call them after inserting rows
directly, and tests compare them with the maintained values to prove they never drift.
"""
from datetime import datetime

from sqlalchemy import and_, case, delete, func, literal, select, update

from ..catalog.models import Course, Module
from ..db_types import UTCDateTime, utcnow
from ..enrollments.models import Enrollment
from ..extensions import db
from .models import MODULE_STAT_SLOTS, ModuleStats, Progress


def is_complete(completed: int, total: int) -> bool:
    return 0 < total <= completed


def completion_time(completed, total, reached_at):
    """SQL: ``reached_at`` when ``completed`` of ``total`` modules completes the course, else NULL."""
    return case((and_(total > 0, completed >= total), reached_at), else_=None)


def first_completion_time(completed, total, now):
    """SQL: the enrollment's ``completed_at`` under the rule: kept if already set, else
    ``now`` (a datetime, or an SQL expression of one)."""
    if isinstance(now, datetime):
        now = literal(now, UTCDateTime())
    return completion_time(completed, total, func.coalesce(Enrollment.completed_at, now))


def course_module_count():
    """SQL: the module count of the enrollment's course."""
    return select(Course.module_count).where(Course.id == Enrollment.course_id).scalar_subquery()


def furthest_completed_position():
    """SQL: the position of the enrollment's furthest completed module, 0 if none."""
    return (
        select(func.coalesce(func.max(Module.position), 0))
        .select_from(Progress).join(Module, Module.id == Progress.module_id)
        .where(Progress.enrollment_id == Enrollment.id, Progress.completed.is_(True))
        .scalar_subquery()
    )


# --- when the catalog changes a course's modules (receivers of catalog.signals) ------------

def forget_completions_of_module(course_id: int, module_id: int) -> None:
    """Before a module is deleted: the enrollments that completed it count one fewer."""
    completed_here = select(Progress.enrollment_id).where(
        Progress.module_id == module_id, Progress.completed.is_(True))
    db.session.execute(
        update(Enrollment).where(Enrollment.id.in_(completed_here))
        .values(completed_count=Enrollment.completed_count - 1)
        .execution_options(synchronize_session=False))


def refresh_completion(course_id: int) -> None:
    """After a course's modules were added, deleted or moved: who has now completed every
    module, and who not; and where each learner's furthest completed module now is."""
    db.session.execute(
        update(Enrollment).where(Enrollment.course_id == course_id)
        .values(completed_at=first_completion_time(Enrollment.completed_count, course_module_count(), utcnow()),
                furthest_position=furthest_completed_position())
        .execution_options(synchronize_session=False))


# --- the recount -------------------------------------------------------------------------------

def recount_enrollments(course_ids: list[int] | None = None) -> None:
    """Completed modules, completion time and last activity of each enrollment, from the
    rows; the completion time is the last module completion that completed the course."""
    completed = (
        select(func.count(Progress.id))
        .where(Progress.enrollment_id == Enrollment.id, Progress.completed.is_(True))
        .scalar_subquery()
    )
    last_completion = (
        select(func.max(Progress.completed_at))
        .where(Progress.enrollment_id == Enrollment.id, Progress.completed.is_(True))
        .scalar_subquery()
    )
    last_touch = (
        select(func.max(Progress.updated_at))
        .where(Progress.enrollment_id == Enrollment.id)
        .scalar_subquery()
    )
    stmt = update(Enrollment).values(
        completed_count=completed,
        completed_at=completion_time(completed, course_module_count(), last_completion),
        last_activity_at=last_touch,
        furthest_position=furthest_completed_position(),
    )
    if course_ids is not None:
        stmt = stmt.where(Enrollment.course_id.in_(course_ids))
    db.session.execute(stmt.execution_options(synchronize_session=False))


def recount_module_stats(course_ids: list[int] | None = None) -> None:
    """Every module's counters from its records: the rows are replaced by one INSERT ..
    SELECT, grouped by module and slot as the writes spread them."""
    modules = select(Module.id)
    if course_ids is not None:
        modules = modules.where(Module.course_id.in_(course_ids))
    db.session.execute(delete(ModuleStats).where(ModuleStats.module_id.in_(modules))
                       .execution_options(synchronize_session=False))
    slot = (Progress.enrollment_id % MODULE_STAT_SLOTS).label("slot")
    completed = Progress.completed.is_(True)
    db.session.execute(ModuleStats.__table__.insert().from_select(
        ["module_id", "slot", "started_count", "completed_count", "completion_seconds"],
        select(Progress.module_id, slot, func.count(Progress.id), func.count(Progress.id).filter(completed),
               func.coalesce(func.sum(Progress.completion_seconds).filter(completed), 0))
        .where(Progress.module_id.in_(modules))
        .group_by(Progress.module_id, slot),
    ))
