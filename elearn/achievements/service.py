"""Achievement rules: which badges a completion earns, daily streaks, a user's badge list.

- Badges are awarded inside the progress write that earned them (``award_for_completions``
  receives progress's ``modules_completed``), with INSERT .. ON CONFLICT (user_id, key) DO NOTHING:
  a badge is awarded once however many completions race for it, and only the write that
  inserted it announces it.
- A streak counts consecutive calendar days, in the user's own time zone, with at least one
  completed module. It is alive until the end of the day after its last active day: a
  learner who was active yesterday but not yet today still has their streak and can extend
  it today; a whole day without a completion ends it.
- Streaks are read from the activity log (``progress_events``, indexed by user and time),
  at most 31 days at a time, never the whole history. Awards need no read: a learner's
  first completion of a day brings their completions of the last 31 days along.
"""
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext
from sqlalchemy import Integer, Row, String, and_, bindparam, cast, func, literal, select

from .. import local_time
from ..auth.models import User
from ..catalog.models import Course
from ..db_types import UTCDateTime
from ..deferred_begin import WRITES
from ..enrollments.models import Enrollment
from ..events import publish_after_commit
from ..extensions import db
from ..prepared import Prepared
from ..progress.models import Progress, ProgressEvent, queue_statements
from ..progress.signals import RECENT_DAYS, Completion
from ..sql import dialect_name, rows_of, rows_params, upsert
from .models import Achievement

COURSE_COMPLETED = "course-completed"

#: Streak badges by days in a row, shortest first.
STREAK_BADGES = ((3, "streak-3"), (7, "streak-7"), (30, "streak-30"))

#: Days of activity read per query: the longest badge (30 days) plus yesterday, for a
#: streak that is still alive but not yet extended today; the same window that progress
#: sends along with a day's first completion.
STREAK_WINDOW_DAYS = RECENT_DAYS

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Badge:
    """How a badge reads; ``%(course)s`` in a course badge's texts is the course title."""

    title: str
    description: str
    icon: str


BADGES: dict[str, Badge] = {
    "first-module": Badge(lazy_gettext("First step"), lazy_gettext("Completed your first module."), "🎯"),
    "first-course": Badge(lazy_gettext("Course finisher"), lazy_gettext("Completed your first course."), "🎓"),
    COURSE_COMPLETED: Badge(lazy_gettext("Completed: %(course)s"), lazy_gettext("Completed every module of %(course)s."),
                            "🏁"),
    "streak-3": Badge(lazy_gettext("3-day streak"), lazy_gettext("Completed a module on 3 days in a row."), "🔥"),
    "streak-7": Badge(lazy_gettext("7-day streak"), lazy_gettext("Completed a module on 7 days in a row."), "⚡"),
    "streak-30": Badge(lazy_gettext("30-day streak"), lazy_gettext("Completed a module on 30 days in a row."), "🏆"),
}


def course_completed_key(course_id: int) -> str:
    return f"{COURSE_COMPLETED}:{course_id}"


def describe(key: str, course_title: str | None = None) -> Badge:
    """The title, description and icon of the badge ``key`` (a course badge names its course),
    in the language of the request at hand."""
    badge = BADGES[key.split(":", 1)[0]]
    words = {"course": course_title or ""}
    return Badge(str(badge.title) % words, str(badge.description) % words, badge.icon)


# --- streaks --------------------------------------------------------------------------

def _active_days(user_id: int, zone, first: date, last: date) -> set[date]:
    """The local dates from ``first`` to ``last`` on which the user completed a module.

    One range scan of the (user_id, occurred_at) index; the instants are turned into local
    dates here because SQLite has no time zones.
    """
    occurred = db.session.scalars(
        select(ProgressEvent.occurred_at)
        .where(ProgressEvent.user_id == user_id, ProgressEvent.kind == "completed",
               ProgressEvent.occurred_at >= local_time.local_midnight(first, zone),
               ProgressEvent.occurred_at < local_time.local_midnight(last + ONE_DAY, zone))
    )
    return {moment.astimezone(zone).date() for moment in occurred}


def _days_in_a_row(days: set[date], last: date) -> int:
    """How many consecutive days of ``days`` end on ``last``."""
    count = 0
    while last - timedelta(days=count) in days:
        count += 1
    return count


def current_streak(user_id: int, timezone: str, now: datetime) -> int:
    """Consecutive local days (in the IANA ``timezone``) with a completed module.

    The streak is alive until the end of the day after its last active day: it ends today
    if the user completed something today, else yesterday; otherwise it is 0. Reads the
    last 31 days, and older 31-day windows only while the streak fills the whole window,
    so the cost follows the streak's length, never the whole history.
    """
    zone = local_time.zone(timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=STREAK_WINDOW_DAYS - 1)
    days = _active_days(user_id, zone, first, today)
    last = today if today in days else today - ONE_DAY
    streak = _days_in_a_row(days, last)
    run_start = last - timedelta(days=streak - 1)
    while streak and run_start == first:  # the run may go on before the window: read the previous one
        last, first = first - ONE_DAY, first - timedelta(days=STREAK_WINDOW_DAYS)
        more = _days_in_a_row(_active_days(user_id, zone, first, last), last)
        streak += more
        run_start -= timedelta(days=more)
    return streak


def _streak_with_today(completion: Completion) -> int:
    """The streak ending on the completion's local day: that day plus the days of the
    learner's completions of the last 31 days, which the write sent along (enough for
    every badge; no query)."""
    zone = local_time.zone(completion.timezone)
    today = completion.at.astimezone(zone).date()
    days = {moment.astimezone(zone).date() for moment in completion.recent_completions} | {today}
    return _days_in_a_row(days, today)


# --- awards ---------------------------------------------------------------------------

def award_for_completions(completions: list[Completion]) -> list[Row]:
    """Receiver of progress's ``modules_completed``: award what the completions earned, and
    return the badges new to this call (rows of id, user_id, key, course_id, earned_at).

    ``first-module`` and the streak badges can only be earned by a learner's first
    completion of a local day, so later ones that day award them no more and cost no
    statement; completing a course earns ``course-completed:<course_id>`` and
    ``first-course``. Each learner's badges are one INSERT .. ON CONFLICT DO NOTHING, and
    each new badge queues an ``achievement.earned`` event for after the commit.
    """
    by_user: dict[int, list[Completion]] = {}
    for completion in completions:
        by_user.setdefault(completion.user_id, []).append(completion)
    earned = []
    for user_id, theirs in by_user.items():
        earned += _award(user_id, theirs)
    return earned


#: Runs inside every learner's first completion of a day, mostly to find the badges already
#: held: one statement whatever the number of badges (their keys arrive as rows, see
#: ``rows_of``), built once per database and prepared on PostgreSQL. The ORM's bulk INSERT
#: path cost 2 ms of Python for a 0.1 ms statement, and a multi-row VALUES is compiled anew
#: on every run (this way, a first completion took 0.56 ms less).
_AWARDS = Achievement.__table__
_AWARDED = (_AWARDS.c.id, _AWARDS.c.user_id, _AWARDS.c.key, _AWARDS.c.course_id, _AWARDS.c.earned_at)
_AWARD_COLUMNS = {"key": str, "course_id": int}


@functools.cache
def _award_insert(dialect: str):
    """INSERT the rows of ``awards`` for ``user_id`` at ``earned_at``, skipping the badges
    held; the new badges come back."""
    awards = rows_of("awards", _AWARD_COLUMNS, dialect)
    return (
        upsert(_AWARDS, dialect).from_select(
            ["user_id", "key", "course_id", "earned_at"],
            select(bindparam("user_id", type_=Integer()), awards.c.key, awards.c.course_id,
                   bindparam("earned_at", type_=UTCDateTime()))
            .where(awards.c.key.is_not(None)))  # SQLite: INSERT .. SELECT needs a WHERE before ON CONFLICT
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(*_AWARDED)
    )


@functools.cache
def _prepared_award() -> Prepared:
    return Prepared("elearn_award", select(_award_insert("postgresql").cte("awarded")).execution_options(**WRITES))


def _insert_awards(user_id: int, at: datetime, keys: list[tuple[str, int | None]]) -> list[Row]:
    """Insert the badges ``keys`` ((key, course id) each, in this order) the user does not hold."""
    dialect = dialect_name()
    params = {"user_id": user_id, "earned_at": at} | rows_params("awards", _AWARD_COLUMNS, keys, dialect)
    if dialect == "postgresql":
        return _prepared_award().execute(db.session, params).all()
    return db.session.execute(_award_insert(dialect), params).all()


def _award(user_id: int, completions: list[Completion]) -> list[Row]:
    keys: dict[str, int | None] = {}
    titles: dict[int, str] = {}
    first = completions[0]
    if not first.completed_earlier_today:
        keys["first-module"] = None
        streak = _streak_with_today(first)
        keys.update((key, None) for days, key in STREAK_BADGES if streak >= days)
    for completion in completions:
        if completion.course_completed:
            keys[course_completed_key(completion.course_id)] = completion.course_id
            keys["first-course"] = None
            titles[completion.course_id] = completion.course_title
    if not keys:
        return []
    # Every caller lists the keys in the same order (that of ``_ANNOUNCE_ORDER``), so
    # concurrent awards for one user wait on each other's rows in that order and never
    # deadlock; the list of badges shows them in this order too.
    ordered = sorted(keys, key=_announce_rank)
    earned = sorted(_insert_awards(user_id, first.at, [(key, keys[key]) for key in ordered]),
                    key=lambda achievement: _announce_rank(achievement.key))
    queue_statements("badge", [(achievement.id, user_id) for achievement in earned])
    for achievement in earned:
        badge = describe(achievement.key, titles.get(achievement.course_id))
        publish_after_commit({
            "type": "achievement.earned",
            "userId": user_id,
            "key": achievement.key,
            "title": badge.title,
            "courseId": achievement.course_id,
            "courseTitle": titles.get(achievement.course_id),
            "earnedAt": achievement.earned_at.astimezone(UTC).isoformat(),
        })
    return earned


def award_for_records(course_ids: list[int], forward: bool = True) -> list[tuple[int, int]]:
    """The badges the records of ``course_ids`` earn, for rows written in bulk (a CSV
    import): ``course-completed:<course>`` for each completed enrollment (at its completion
    time), ``first-course`` and ``first-module`` for their learners (at their first). Three
    statements whatever the number of learners; (badge id, user id) of each new badge, in
    learner order.

    Streak badges are not given for imported history (a streak is days in a row up to
    today), and nothing is announced: importing years of a class's history must not shower
    its learners with notices. Already-earned badges stay as they are. ``forward=False``
    queues no xAPI statement for them either (synthetic data is no one's record).
    """
    if not course_ids:
        return []
    done = and_(Enrollment.course_id.in_(course_ids), Enrollment.completed_at.is_not(None))
    completers = select(Enrollment.user_id).where(done)
    inserts = [
        select(Enrollment.user_id, literal(COURSE_COMPLETED + ":") + cast(Enrollment.course_id, String),
               Enrollment.course_id, Enrollment.completed_at).where(done).order_by(Enrollment.user_id, Enrollment.course_id),
        select(Enrollment.user_id, literal("first-course"), literal(None, Integer), func.min(Enrollment.completed_at))
        .where(Enrollment.user_id.in_(completers), Enrollment.completed_at.is_not(None)).group_by(Enrollment.user_id)
        .order_by(Enrollment.user_id),
        select(Enrollment.user_id, literal("first-module"), literal(None, Integer), func.min(Progress.completed_at))
        .join(Progress, Progress.enrollment_id == Enrollment.id)
        .where(Enrollment.course_id.in_(course_ids), Progress.completed.is_(True)).group_by(Enrollment.user_id)
        .order_by(Enrollment.user_id),
    ]
    earned = []
    for rows in inserts:
        stmt = (upsert(Achievement).from_select(["user_id", "key", "course_id", "earned_at"], rows)
                .on_conflict_do_nothing(index_elements=["user_id", "key"])
                .returning(Achievement.id, Achievement.user_id))
        earned += [tuple(row) for row in db.session.execute(stmt)]
    if forward:
        queue_statements("badge", earned)
    return earned


#: The order in which one write's new badges are inserted and announced.
_ANNOUNCE_ORDER = {"first-module": 0, COURSE_COMPLETED: 1, "first-course": 2,
                   "streak-3": 3, "streak-7": 4, "streak-30": 5}


def _announce_rank(key: str) -> tuple[int, str]:
    return _ANNOUNCE_ORDER[key.split(":", 1)[0]], key


def award_from_history(user_ids: list[int]) -> int:
    """Award what these users' existing activity log has already earned (for data loaded
    in bulk, such as the demo, which writes rows without going through the progress
    service). Each badge is dated when it was earned; nothing is announced. Reads every
    completion of the given users, so it is meant for demo-sized data. Returns how many
    badges were added."""
    zones = dict(db.session.execute(select(User.id, User.timezone).where(User.id.in_(user_ids))).all())
    completions: dict[int, list[datetime]] = {}
    for user_id, at in db.session.execute(
            select(ProgressEvent.user_id, ProgressEvent.occurred_at)
            .where(ProgressEvent.user_id.in_(user_ids), ProgressEvent.kind == "completed")
            .order_by(ProgressEvent.user_id, ProgressEvent.occurred_at)):
        completions.setdefault(user_id, []).append(at)
    finished: dict[int, list[tuple[int, datetime]]] = {}
    for user_id, course_id, at in db.session.execute(
            select(Enrollment.user_id, Enrollment.course_id, Enrollment.completed_at)
            .where(Enrollment.user_id.in_(user_ids), Enrollment.completed_at.is_not(None))
            .order_by(Enrollment.completed_at)):
        finished.setdefault(user_id, []).append((course_id, at))

    rows = []
    for user_id, moments in completions.items():
        rows.append({"user_id": user_id, "key": "first-module", "course_id": None, "earned_at": moments[0]})
        zone, run, previous = local_time.zone(zones.get(user_id)), 0, None
        for at in moments:
            day = at.astimezone(zone).date()
            if day == previous:
                continue
            run = run + 1 if previous is not None and day - previous == ONE_DAY else 1
            previous = day
            rows += [{"user_id": user_id, "key": key, "course_id": None, "earned_at": at}
                     for days, key in STREAK_BADGES if run == days]
    for user_id, courses in finished.items():
        rows.append({"user_id": user_id, "key": "first-course", "course_id": None, "earned_at": courses[0][1]})
        rows += [{"user_id": user_id, "key": course_completed_key(course_id), "course_id": course_id,
                  "earned_at": at} for course_id, at in courses]
    if not rows:
        return 0
    stmt = upsert(Achievement).values(rows).on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(Achievement.id)
    return len(db.session.execute(stmt).all())


# --- reads ----------------------------------------------------------------------------

@dataclass
class EarnedBadge:
    key: str
    title: str
    description: str
    icon: str
    course_id: int | None
    course_title: str | None
    earned_at: datetime

    @property
    def kind(self) -> str:
        """The badge without its course: names its picture, static/img/badges/<kind>.svg."""
        return self.key.split(":", 1)[0]


def list_achievements(user_id: int) -> list[EarnedBadge]:
    """A user's badges in the order earned, with their course's title: one query."""
    rows = db.session.execute(
        select(Achievement.key, Achievement.course_id, Course.title, Achievement.earned_at)
        .outerjoin(Course, Course.id == Achievement.course_id)
        .where(Achievement.user_id == user_id)
        .order_by(Achievement.earned_at, Achievement.id)
    )
    badges = []
    for key, course_id, course_title, earned_at in rows:
        badge = describe(key, course_title)
        badges.append(EarnedBadge(key, badge.title, badge.description, badge.icon, course_id, course_title,
                                  earned_at))
    return badges


@dataclass
class AchievementSummary:
    items: list[EarnedBadge]
    current_streak: int


def achievement_summary(user_id: int, timezone: str, now: datetime) -> AchievementSummary:
    """A user's badges and current streak (GET /api/achievements)."""
    return AchievementSummary(list_achievements(user_id), current_streak(user_id, timezone, now))
