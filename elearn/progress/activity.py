"""A learner's recent activity, read from the activity log (indexed by user and time)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from ..catalog.models import Course, Module
from ..enrollments.models import Enrollment
from ..read_replica import reads
from .models import Progress, ProgressEvent


@dataclass
class ActivityItem:
    kind: str
    module_title: str | None
    course_id: int
    course_title: str
    occurred_at: datetime


def recent_activity(user_id: int, limit: int = 5) -> list[ActivityItem]:
    """The latest events of a user, newest first (one query, index (user_id, occurred_at))."""
    rows = reads().execute(
        select(ProgressEvent.kind, Module.title, Course.id, Course.title, ProgressEvent.occurred_at)
        .join(Course, Course.id == ProgressEvent.course_id)
        .outerjoin(Module, Module.id == ProgressEvent.module_id)
        .where(ProgressEvent.user_id == user_id)
        .order_by(ProgressEvent.occurred_at.desc(), ProgressEvent.id.desc())
        .limit(limit)
    )
    return [ActivityItem(*row) for row in rows]


def last_completion(user_id: int) -> ActivityItem | None:
    row = reads().execute(
        select(ProgressEvent.kind, Module.title, Course.id, Course.title, ProgressEvent.occurred_at)
        .join(Course, Course.id == ProgressEvent.course_id)
        .outerjoin(Module, Module.id == ProgressEvent.module_id)
        .where(ProgressEvent.user_id == user_id, ProgressEvent.kind == "completed")
        .order_by(ProgressEvent.occurred_at.desc(), ProgressEvent.id.desc())
        .limit(1)
    ).first()
    return ActivityItem(*row) if row else None


@dataclass(frozen=True)
class NextModule:
    """The first module of a course the learner has not completed: what "Continue" opens."""

    module_id: int
    position: int
    title: str


def next_modules(user_id: int) -> dict[int, NextModule]:
    """For each of the user's unfinished enrollments, its first unfinished module (one query)."""
    first_open = (
        select(Enrollment.id.label("enrollment_id"), Enrollment.course_id,
               func.min(Module.position).label("position"))
        .join(Module, Module.course_id == Enrollment.course_id)
        .outerjoin(Progress, and_(Progress.module_id == Module.id, Progress.enrollment_id == Enrollment.id,
                                  Progress.completed.is_(True)))
        .where(Enrollment.user_id == user_id, Progress.id.is_(None))
        .group_by(Enrollment.id, Enrollment.course_id)
        .subquery()
    )
    rows = reads().execute(
        select(first_open.c.enrollment_id, Module.id, Module.position, Module.title)
        .join(Module, and_(Module.course_id == first_open.c.course_id, Module.position == first_open.c.position))
    )
    return {enrollment_id: NextModule(module_id, position, title)
            for enrollment_id, module_id, position, title in rows}


def next_up(courses, nexts: dict[int, NextModule]):
    """The (course, next module) a learner most likely wants to resume: the unfinished
    course they touched last, else the first unfinished one; None when all are done."""
    open_courses = [course for course in courses if course.enrollment_id in nexts]
    if not open_courses:
        return None
    touched = [course for course in open_courses if course.last_activity_at]
    course = max(touched, key=lambda c: c.last_activity_at) if touched else open_courses[0]
    return course, nexts[course.enrollment_id]
