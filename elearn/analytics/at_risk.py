"""Learners who need help now, and why: rule-based signals, computed in SQL.

Each signal is a condition on a course's unfinished enrollments, so the list of learners
at risk and its count are plain queries whatever the class size:

- ``inactive``: no activity for the course's ``at_risk_after_days`` (default 14), or for
  three times the learner's own usual time per module (at least ``MIN_UNUSUAL_IDLE``).
- ``stalled``: a module started longer ago than 80% of the learners who completed it
  took to complete it (modules with at least ``MIN_FINISHERS`` such learners).
- ``behind_pace``: fewer modules completed than the median learner of the course who has
  been enrolled about as long (the same band of ``AGE_BANDS``), from a week in.
- ``not_started``: enrolled ``at_risk_after_days`` ago and nothing started.

The two baselines (the 80th percentile per module, the median per age band) take one
statement each over the whole class (0.4 s together at 182,000 enrollments), so the
background job ``count_every_course`` computes them, with the course's pace, every
``KEEP_EVERY`` seconds, kept for twice that: a request computes them only if no job has
yet. A page of at-risk learners is then a count, the page, and the page's open modules
(for the words of ``stalled``), each served by an index (migration "indexes of learners
at risk"): 90 ms at 182,000 enrollments, 142,000 of them at risk, most of it the count.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import and_, case, func, literal, not_, or_, select, update

from ..auth.models import User
from ..cache import Entry, cached, refresh
from ..catalog.models import Course, Module
from ..db_types import UTCDateTime, utcnow
from ..enrollments.models import Enrollment
from ..extensions import db
from ..numbers import percentage
from ..pagination import Page, paginate
from ..progress.models import Progress
from ..progress.pace import course_pace_seconds, predicted_completion
from ..read_replica import reads
from ..sql import at_rank, seconds_between
from .access import course_for_analytics

SIGNALS = ("inactive", "stalled", "behind_pace", "not_started")
#: Upper bounds (days since enrolling) of the bands learners are compared within.
AGE_BANDS = (7, 14, 30, 60, 120)
#: A learner is behind pace only from this band on: the first week is a grace period.
FIRST_PACED_BAND = 1
#: Idle for this many times their usual time per module is unusual for a learner...
UNUSUAL_IDLE_FACTOR = 3
#: ...but never before this long.
MIN_UNUSUAL_IDLE = timedelta(days=3)
#: A module's 80th percentile needs this many learners who completed it.
MIN_FINISHERS = 3
STALLED_PERCENTILE = 0.8
#: How often the background job counts each course's learners at risk and computes its
#: baselines again, and so how old they may be.
KEEP_EVERY = 900
BASELINE_TTL = 2 * KEEP_EVERY


@dataclass
class Signal:
    code: str
    message: str
    since: datetime | None


@dataclass
class AtRiskLearner:
    enrollment_id: int
    user_id: int
    email: str
    name: str
    completed_modules: int
    total_modules: int
    last_activity_at: datetime | None
    predicted_completion_at: datetime | None
    signals: list[Signal] = field(default_factory=list)

    @property
    def percentage(self) -> float:
        return percentage(self.completed_modules, self.total_modules)


@dataclass
class Baselines:
    """What a course's learners are compared with: seconds within which 80% of those who
    completed each module did so, and the median completed modules per age band."""

    stalled_after: dict[int, float]
    median_by_band: dict[int, int]


def _band(now: datetime, value_of: Callable[[int], Any] = lambda band: band):
    """The age band of an enrollment, as SQL: 0 for the first week, up to len(AGE_BANDS);
    or ``value_of(band)`` instead (SQL NULL where it gives None)."""
    return case(*((Enrollment.enrolled_at > now - timedelta(days=days), value_of(k))
                  for k, days in enumerate(AGE_BANDS)), else_=value_of(len(AGE_BANDS)))


def baselines_entry(course: Course) -> Entry:
    """Where ``baselines`` keeps the course's (by time alone: they move slowly)."""
    return Entry((), f"at-risk-baselines:{course.id}", dict)


def baselines(course: Course, now: datetime | None = None, fresh: bool = False) -> Baselines:
    """The course's baselines as last kept (``fresh``: computed and kept now)."""
    now = now or utcnow()

    def compute() -> dict:
        # Spelled as ix_progress_module_completion_seconds's condition, so that it is used.
        finished = (select(Progress).join(Module, Module.id == Progress.module_id)
                    .where(Module.course_id == course.id, Progress.completed,
                           Progress.completion_seconds.is_not(None)))
        stalled_after = reads().execute(at_rank(Progress.completion_seconds, finished, group=Progress.module_id,
                                                share=(4, 5), at_least=MIN_FINISHERS))
        medians = reads().execute(at_rank(Enrollment.completed_count,
                                          select(Enrollment).where(Enrollment.course_id == course.id),
                                          group=_band(now)))
        return {"stalled_after": {str(m): float(s) for m, s in stalled_after},
                "median_by_band": {str(b): int(c) for b, c in medians}}

    raw = (refresh if fresh else cached)(baselines_entry(course), compute, ttl=BASELINE_TTL)
    return Baselines({int(m): s for m, s in raw["stalled_after"].items()},
                     {int(b): c for b, c in raw["median_by_band"].items()})


def _conditions(course: Course, base: Baselines, now: datetime) -> dict:
    """Each signal as a condition on the course's unfinished enrollments, in the order
    ``at_risk_condition`` tests them."""
    after = now - timedelta(days=course.at_risk_after_days)
    now_value = literal(now, UTCDateTime)
    idle_seconds = seconds_between(Enrollment.last_activity_at, now_value)
    usual_seconds = seconds_between(Enrollment.enrolled_at, Enrollment.last_activity_at) / Enrollment.completed_count
    open_too_long = [and_(Progress.module_id == module_id, Progress.started_at < now - timedelta(seconds=seconds))
                     for module_id, seconds in base.stalled_after.items()]
    # The median of each learner's band, in one CASE (NULL where there is none, or in the
    # grace period): one test per row instead of the band worked out once per band.
    paced = {band: median for band, median in base.median_by_band.items() if band >= FIRST_PACED_BAND}
    # In the order they are tested, the costly one last: a page of the longest idle, who
    # are mostly inactive, is then found without hashing the class's open records.
    return {
        "inactive": and_(Enrollment.last_activity_at.is_not(None), or_(
            Enrollment.last_activity_at < after,
            and_(Enrollment.completed_count >= 2, Enrollment.last_activity_at < now - MIN_UNUSUAL_IDLE,
                 idle_seconds > UNUSUAL_IDLE_FACTOR * usual_seconds))),
        "not_started": and_(Enrollment.last_activity_at.is_(None), Enrollment.enrolled_at < after),
        "behind_pace": Enrollment.completed_count < _band(now, paced.get) if paced else None,
        # The open records of the course's modules started too long ago, hashed once from
        # the index of open records alone (spelled as its condition), matched by a semi-join.
        "stalled": Enrollment.id.in_(
            select(Progress.enrollment_id).where(Progress.module_id.in_(list(base.stalled_after)),
                                                 not_(Progress.completed), or_(*open_too_long))
        ) if open_too_long else None,
    }


def _duration(seconds: float) -> str:
    days = int(seconds // 86400)
    if days >= 1:
        return ngettext("%(num)d day", "%(num)d days", days)
    hours = max(1, int(seconds // 3600))
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def _signals(row, course: Course, base: Baselines, open_modules: list, titles: dict[int, str],
             now: datetime) -> list[Signal]:
    """The words for the signals one learner fired (the same rules as ``_conditions``)."""
    found = []
    after = now - timedelta(days=course.at_risk_after_days)
    last, done = row.last_activity_at, row.completed_count
    if last is not None:
        usual = (last - row.enrolled_at).total_seconds() / done if done >= 2 else None
        idle = (now - last).total_seconds()
        unusual = usual is not None and now - last > MIN_UNUSUAL_IDLE and idle > UNUSUAL_IDLE_FACTOR * usual
        if last < after or unusual:
            text = gettext("No activity for %(idle)s", idle=_duration(idle))
            if usual is not None:
                text = gettext("%(text)s; usually a module every %(usual)s", text=text, usual=_duration(usual))
            found.append(Signal("inactive", text, last))
    for module_id, started_at in open_modules:
        limit = base.stalled_after.get(module_id)
        if limit is not None and started_at < now - timedelta(seconds=limit):
            found.append(Signal("stalled", gettext(
                "On “%(module)s” for %(took)s; 80%% of those who finished it took under %(limit)s",
                module=titles.get(module_id, "?"), took=_duration((now - started_at).total_seconds()),
                limit=_duration(limit)), started_at))
    band = next((k for k, days in enumerate(AGE_BANDS) if row.enrolled_at > now - timedelta(days=days)),
                len(AGE_BANDS))
    median = base.median_by_band.get(band)
    if band >= FIRST_PACED_BAND and median is not None and done < median:
        found.append(Signal("behind_pace", gettext(
            "%(done)d of %(total)d modules done; learners enrolled as long have done %(median)d",
            done=done, total=course.module_count, median=median), None))
    if last is None and row.enrolled_at < after:
        found.append(Signal("not_started", gettext(
            "Enrolled %(days)s ago and has not started", days=_duration((now - row.enrolled_at).total_seconds())),
            row.enrolled_at))
    return found


def at_risk_condition(course: Course, now: datetime | None = None, base: Baselines | None = None):
    """The enrollments of ``course`` that fired any signal, as a SQL condition (the student
    list's "at risk" filter uses it too)."""
    now = now or utcnow()
    conditions = [c for c in _conditions(course, base or baselines(course, now), now).values() if c is not None]
    return and_(Enrollment.course_id == course.id, Enrollment.completed_at.is_(None), or_(*conditions))


def at_risk_learners(actor, course_id: int, page: int = 1, per_page: int = 50,
                     now: datetime | None = None) -> Page:
    """A page of the course's learners at risk (``AtRiskLearner`` items), the longest idle
    first (its instructor, admins)."""
    return learners_at_risk(course_for_analytics(actor, course_id), page, per_page, now)


def learners_at_risk(course: Course, page: int = 1, per_page: int = 50, now: datetime | None = None) -> Page:
    """``at_risk_learners`` of a course whose access the caller has checked: the count, the
    page, and the page's open modules, whatever the class size."""
    now = now or utcnow()
    base = baselines(course, now)
    condition = at_risk_condition(course, now, base)
    # The page's enrollments first, then their users: joining users before the limit would
    # join every learner at risk.
    page_of = (select(Enrollment.id, Enrollment.user_id, Enrollment.completed_count, Enrollment.enrolled_at,
                      Enrollment.last_activity_at, Enrollment.idle_since.label("idle_since"))
               .where(condition).order_by(Enrollment.idle_since, Enrollment.id)
               .limit(max(1, per_page)).offset((max(1, page) - 1) * max(1, per_page)).subquery())
    stmt = (select(page_of.c.id, page_of.c.user_id, User.email, User.name, page_of.c.completed_count,
                   page_of.c.enrolled_at, page_of.c.last_activity_at)
            .join(User, User.id == page_of.c.user_id).order_by(page_of.c.idle_since, page_of.c.id))
    result = paginate(stmt, 1, per_page, scalars=False, session=reads(),
                      count=select(func.count()).select_from(Enrollment).where(condition))
    result.page = max(1, page)
    ids = [row.id for row in result.items]
    open_modules: dict[int, list] = {}
    if ids:
        for enrollment_id, module_id, started_at in reads().execute(
                select(Progress.enrollment_id, Progress.module_id, Progress.started_at)
                .where(Progress.enrollment_id.in_(ids), Progress.completed.is_(False))):
            open_modules.setdefault(enrollment_id, []).append((module_id, started_at))
    open_ids = {module_id for records in open_modules.values() for module_id, _ in records}
    titles = dict(reads().execute(select(Module.id, Module.title).where(Module.id.in_(open_ids))).all()) if open_ids else {}
    pace = course_pace_seconds(course.id)
    result.items = [
        AtRiskLearner(
            row.id, row.user_id, row.email, row.name, row.completed_count, course.module_count,
            row.last_activity_at,
            predicted_completion(enrolled_at=row.enrolled_at, last_activity_at=row.last_activity_at,
                                 completed=row.completed_count, total=course.module_count, now=now,
                                 course_seconds_per_module=pace),
            _signals(row, course, base, open_modules.get(row.id, []), titles, now))
        for row in result.items
    ]
    return result


def count_every_course(now: datetime | None = None) -> int:
    """Job: for each course with learners, compute its baselines and pace afresh (so that
    no request has to) and count its learners at risk into ``Course.at_risk_count``, for
    the admin's table of courses. How many courses were counted."""
    now = now or utcnow()
    courses = db.session.scalars(select(Course).where(Course.enrollment_count > 0).order_by(Course.id)).all()
    for course in courses:
        base = baselines(course, now, fresh=True)
        course_pace_seconds(course.id, fresh=True)
        count = db.session.scalar(select(func.count()).select_from(Enrollment)
                                  .where(at_risk_condition(course, now, base)))
        db.session.execute(update(Course).where(Course.id == course.id).values(at_risk_count=count))
        db.session.commit()
    db.session.execute(update(Course).where(Course.enrollment_count == 0, Course.at_risk_count.is_not(None))
                       .values(at_risk_count=None))
    return len(courses)
