"""When a learner will finish a course at the pace they keep.

A learner with at least ``OWN_PACE_AFTER`` completed modules is predicted from their own
pace: the time since enrolling, per completed module (so a pause slows it). Newer learners
have too little history for that, so they get the course's typical pace (the median of the
learners who do have one), or ``DEFAULT_SECONDS_PER_MODULE`` in a course where nobody has.
"""
from datetime import datetime, timedelta

from sqlalchemy import select

from ..cache import Entry, cached, refresh
from ..enrollments.models import Enrollment
from ..read_replica import reads
from ..sql import at_rank, seconds_between

#: Completed modules from which a learner's own pace predicts their finish.
OWN_PACE_AFTER = 2
#: A course's pace when none of its learners has one yet: a module every three days.
DEFAULT_SECONDS_PER_MODULE = 3 * 86400
#: No pace is faster than this per module: a learner who did two modules in a minute
#: is not predicted to finish the other fifty within the hour.
FASTEST_SECONDS_PER_MODULE = 3600
#: How long a course's typical pace is remembered; it moves slowly.
COURSE_PACE_TTL = 1800


def course_pace_seconds(course_id: int, fresh: bool = False) -> float:
    """The median time per completed module of the course's learners with a pace of their
    own (one statement over the course's enrollments; cached for ``COURSE_PACE_TTL``, and
    kept fresh by the at-risk job: ``fresh`` computes and stores it whatever is held)."""

    def median() -> float:
        per_module = (seconds_between(Enrollment.enrolled_at, Enrollment.last_activity_at)
                      / Enrollment.completed_count)
        value = reads().scalar(at_rank(per_module, select(Enrollment).where(
            Enrollment.course_id == course_id, Enrollment.completed_count >= OWN_PACE_AFTER,
            Enrollment.last_activity_at.is_not(None))))
        return float(value) if value is not None else float(DEFAULT_SECONDS_PER_MODULE)

    return (refresh if fresh else cached)(pace_entry(course_id), median, ttl=COURSE_PACE_TTL)


def pace_entry(course_id: int) -> Entry:
    """Where ``course_pace_seconds`` keeps a course's pace."""
    return Entry((), f"course-pace:{course_id}", float)


def predicted_completion(*, enrolled_at: datetime, last_activity_at: datetime | None, completed: int,
                         total: int, now: datetime, course_seconds_per_module: float) -> datetime | None:
    """When the learner will have completed the course at their pace; None once finished
    (or for a course without modules)."""
    if total == 0 or completed >= total:
        return None
    if completed >= OWN_PACE_AFTER and last_activity_at is not None:
        # Up to now, not to the last activity: a learner idle since their second module is
        # not on pace to finish next week.
        per_module = (now - enrolled_at).total_seconds() / completed
    else:
        per_module = course_seconds_per_module
    per_module = max(per_module, FASTEST_SECONDS_PER_MODULE)
    return now + timedelta(seconds=per_module * (total - completed))
