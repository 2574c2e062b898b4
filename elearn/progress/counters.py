"""Rebuild the maintained counters from the rows they summarise.

The services keep ``Course.module_count`` and ``Enrollment.completed_count`` /
``completed_at`` / ``last_activity_at`` up to date write by write. These statements
recompute them from scratch (one UPDATE each, no rows loaded into Python): bulk loaders
call them after inserting rows directly, and tests compare against them to prove the
counters never drift.
"""
from sqlalchemy import and_, case, func, select, update

from ..catalog.models import Course, Module
from ..enrollments.models import Enrollment
from ..extensions import db
from .models import Progress


def recount_module_counts(course_ids: list[int] | None = None) -> None:
    counted = select(func.count(Module.id)).where(Module.course_id == Course.id).scalar_subquery()
    stmt = update(Course).values(module_count=counted)
    if course_ids is not None:
        stmt = stmt.where(Course.id.in_(course_ids))
    db.session.execute(stmt.execution_options(synchronize_session=False))


def recount_enrollments(course_ids: list[int] | None = None) -> None:
    """Completed modules, completion time and last activity of each enrollment."""
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
    module_count = select(Course.module_count).where(Course.id == Enrollment.course_id).scalar_subquery()
    stmt = update(Enrollment).values(
        completed_count=completed,
        completed_at=case(
            (and_(module_count > 0, completed >= module_count), last_completion), else_=None
        ),
        last_activity_at=last_touch,
    )
    if course_ids is not None:
        stmt = stmt.where(Enrollment.course_id.in_(course_ids))
    db.session.execute(stmt.execution_options(synchronize_session=False))
