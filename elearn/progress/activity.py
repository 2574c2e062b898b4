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


def next_modules(user_id: int) -> dict[int, int]:
    """For each of the user's enrollments, the position of the first unfinished module."""
    rows = reads().execute(
        select(Enrollment.id, func.min(Module.position))
        .join(Module, Module.course_id == Enrollment.course_id)
        .outerjoin(Progress, and_(Progress.module_id == Module.id, Progress.enrollment_id == Enrollment.id,
                                  Progress.completed.is_(True)))
        .where(Enrollment.user_id == user_id, Progress.id.is_(None))
        .group_by(Enrollment.id)
    )
    return dict(rows.all())
