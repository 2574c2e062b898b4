"""Active time: how long a learner actually worked on a module's page.

While a course page is visible and its learner interacts with it, the page sends a
heartbeat every ``HEARTBEAT_SECONDS`` naming the module being worked on. Each heartbeat
adds the time since the previous one on that module, at most ``HEARTBEAT_SECONDS``, and
nothing when the previous one is older than ``HEARTBEAT_SECONDS + GRACE_SECONDS`` (the
page was idle, hidden or closed in between). So an open tab nobody looks at adds nothing,
and a client that sends heartbeats faster than it should cannot add more time than passed.

Only started modules keep time: a heartbeat for a module not started yet changes nothing.
A heartbeat is one UPDATE and publishes no event (nothing any open page shows changes).
"""
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, case, cast, func, literal, or_, select, update

from ..db_types import UTCDateTime, utcnow
from ..enrollments.models import Enrollment
from ..extensions import db
from ..sql import seconds_between
from .access import check_module_in_course, load_enrollment
from .models import Progress

HEARTBEAT_SECONDS = 30
GRACE_SECONDS = 15


def record_heartbeat(actor, enrollment_id: int, module_id: int, now: datetime | None = None) -> None:
    """Add the time since the previous heartbeat (capped) to the learner's module.

    One UPDATE, which also checks that the enrollment is ``actor``'s; only when it changes
    nothing are the enrollment and module looked at, to say why (404, 403 or 422) or to
    find there was nothing to do (a module not started, a late beat).
    """
    now = now or utcnow()
    since_last = seconds_between(Progress.last_heartbeat_at, literal(now, UTCDateTime))
    recent = Progress.last_heartbeat_at > now - timedelta(seconds=HEARTBEAT_SECONDS + GRACE_SECONDS)
    earned = case((recent, case((since_last < HEARTBEAT_SECONDS, since_last), else_=HEARTBEAT_SECONDS)), else_=0)
    mine = select(Enrollment.id).where(Enrollment.id == enrollment_id, Enrollment.user_id == actor.id)
    changed = db.session.execute(
        update(Progress)
        # A beat that reaches the database after a later one changes nothing (two tabs).
        .where(Progress.enrollment_id == enrollment_id, Progress.enrollment_id.in_(mine),
               Progress.module_id == module_id,
               or_(Progress.last_heartbeat_at.is_(None), Progress.last_heartbeat_at < now))
        .values(active_seconds=Progress.active_seconds + cast(func.round(earned), BigInteger),
                last_heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        _enrollment, course = load_enrollment(actor, enrollment_id, write=True)
        check_module_in_course(module_id, course.id)
