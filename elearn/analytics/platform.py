"""Platform analytics: the questions the admin dashboard asks about the whole platform.

People, money, completion, engagement, retention and when learners study. Every figure is
an SQL aggregate, over the counters other features keep where they exist
(``Enrollment.completed_count``, ``completed_at``) and over the activity log
(``progress_events``, indexed by time) for engagement, retention and learning patterns.
Python only fills the gaps of calendar series (a month or week without rows) and reshapes
at most a few hundred aggregated rows. The number of statements is fixed: it does not grow
with users, courses, enrollments, events or tickets.

Admins only. The JSON and HTML surfaces check the role; these functions take no acting
user because every figure is platform-wide and none depends on who asks.

Calendar: months and weeks are UTC, weeks are ISO weeks (Monday to Sunday). Windows end
at ``now``, which tests pin and the surfaces leave to the clock.
"""
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import available_timezones

from flask_babel import gettext
from sqlalchemy import Float, and_, case, cast, distinct, func, or_, select

from ..auth.models import ROLES, User
from ..catalog.models import Course
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..errors import Invalid
from ..numbers import percentage
from ..pagination import Page, paginate
from ..progress.models import ProgressEvent
from ..read_replica import reads
from ..sql import hour_of_week_in_zone, month_start, week_start
from ..tickets.service import TicketCounts, ticket_counts

#: Length of the top-course lists.
TOP_COURSES = 5
#: A course ranks by completion rate only with this many enrollments: one learner who
#: finished a course of one learner is not a 100% course.
MIN_ENROLLMENTS_TO_RANK = 5
REVENUE_MONTHS = 12
ENGAGEMENT_WEEKS = 12
#: dau, wau and mau: distinct learners with any activity in these windows up to now.
ACTIVE_WINDOWS = {"dau": timedelta(days=1), "wau": timedelta(days=7), "mau": timedelta(days=30)}
RETENTION_WEEKS, MAX_RETENTION_WEEKS = 12, 52
PATTERN_DAYS, MAX_PATTERN_DAYS = 90, 366
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ONE_WEEK = timedelta(weeks=1)


# --- calendar helpers ------------------------------------------------------------------

def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _monday(moment: datetime) -> date:
    """The Monday of ``moment``'s ISO week, in UTC."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def _add_months(first_of_month: date, months: int) -> date:
    year, month = divmod(first_of_month.year * 12 + first_of_month.month - 1 + months, 12)
    return date(year, month + 1, 1)


# --- users, courses, enrollments --------------------------------------------------------

@dataclass
class UserCounts:
    total: int
    students: int
    instructors: int
    admins: int


def users_by_role() -> UserCounts:
    """Every account (active or not) by role: one grouped count."""
    counts = dict(reads().execute(select(User.role, func.count()).group_by(User.role)).all())
    by_role = {role: counts.get(role, 0) for role in ROLES}
    return UserCounts(sum(by_role.values()), by_role["student"], by_role["instructor"], by_role["admin"])


@dataclass
class EnrollmentTotals:
    courses: int
    enrollments: int
    completed: int
    revenue_cents: int


def enrollment_totals() -> EnrollmentTotals:
    """Courses, enrollments, completed enrollments and revenue (prices paid): one statement."""
    courses = select(func.count()).select_from(Course).scalar_subquery()
    row = reads().execute(
        select(courses, func.count(Enrollment.id), func.count(Enrollment.completed_at),
               func.coalesce(func.sum(Enrollment.price_paid_cents), 0))
        .select_from(Enrollment)
    ).one()
    return EnrollmentTotals(row[0], row[1], row[2], int(row[3]))


@dataclass
class MonthRevenue:
    month: str  # YYYY-MM
    cents: int


def revenue_by_month(now: datetime, months: int = REVENUE_MONTHS) -> list[MonthRevenue]:
    """Prices paid by the UTC month of enrolling, for the ``months`` months up to ``now``'s,
    oldest first, months without revenue included as 0: one grouped query."""
    current = now.astimezone(UTC).date().replace(day=1)
    first = _add_months(current, -(months - 1))
    month = month_start(Enrollment.enrolled_at).label("month")
    cents = dict(reads().execute(
        select(month, func.sum(Enrollment.price_paid_cents))
        .where(Enrollment.enrolled_at >= _midnight(first),
               Enrollment.enrolled_at < _midnight(_add_months(current, 1)))
        .group_by(month)
    ).all())
    series = [_add_months(first, k).isoformat() for k in range(months)]
    return [MonthRevenue(day[:7], int(cents.get(day, 0))) for day in series]


# --- courses -------------------------------------------------------------------------------

@dataclass
class CourseFigures:
    course_id: int
    title: str
    published: bool
    enrollments: int
    completed: int  # enrollments with every module completed
    completion_rate: float  # completed over enrollments
    average_completion: float  # mean of the enrollments' percentages
    revenue_cents: int
    at_risk: int | None = None  # as last counted (``at_risk.count_every_course``)


def _per_course():
    """One row per course (with or without enrollments) and its enrollment aggregates."""
    return (
        select(Course.id.label("course_id"), Course.title, Course.published, Course.module_count,
               Course.at_risk_count, func.count(Enrollment.id).label("enrollments"),
               func.count(Enrollment.completed_at).label("completed"),
               func.coalesce(func.sum(Enrollment.completed_count), 0).label("completed_modules"),
               func.coalesce(func.sum(Enrollment.price_paid_cents), 0).label("revenue_cents"))
        .outerjoin(Enrollment, Enrollment.course_id == Course.id)
        .group_by(Course.id, Course.title, Course.published, Course.module_count, Course.at_risk_count)
    )


def _figures(row) -> CourseFigures:
    return CourseFigures(
        course_id=row.course_id, title=row.title, published=row.published, enrollments=row.enrollments,
        completed=row.completed, completion_rate=percentage(row.completed, row.enrollments),
        average_completion=percentage(int(row.completed_modules), row.enrollments * row.module_count),
        revenue_cents=int(row.revenue_cents), at_risk=row.at_risk_count,
    )


def course_completion_rates(page: int = 1, per_page: int = 50) -> Page:
    """Every course (``CourseFigures`` items) by title, a page at a time: a count and a page query."""
    result = paginate(_per_course().order_by(Course.title, Course.id), page, per_page, scalars=False, session=reads())
    result.items = [_figures(row) for row in result.items]
    return result


@dataclass
class TopCourses:
    by_completion_rate: list[CourseFigures]  # only courses with at least ``min_enrollments``
    by_enrollments: list[CourseFigures]  # only courses with enrollments
    by_revenue: list[CourseFigures]  # only courses with revenue


def top_courses(limit: int = TOP_COURSES, min_enrollments: int = MIN_ENROLLMENTS_TO_RANK) -> TopCourses:
    """The ``limit`` best courses three ways, in one statement.

    Window functions give each course its place in the three rankings (NULL where it does
    not qualify); only rows placed within ``limit`` somewhere come back. Courses that do
    not qualify sort last, so the places of those that do run 1, 2, 3... Ties go to more
    enrollments, then title and id.
    """
    for field, value in (("limit", limit), ("minEnrollments", min_enrollments)):
        if value < 1:
            raise Invalid(gettext("Top lists need a positive length and minimum."), details={field: gettext("at least 1")})
    figures = _per_course().subquery()
    c = figures.c
    ranks_by_rate = c.enrollments >= min_enrollments
    rate = case((ranks_by_rate, cast(c.completed, Float) / c.enrollments))

    def place(qualifies, *order_by):
        return case((qualifies, func.row_number().over(order_by=(*order_by, c.title, c.course_id))))

    ranked = select(
        figures,
        place(ranks_by_rate, rate.desc().nulls_last(), c.enrollments.desc()).label("by_completion_rate"),
        place(c.enrollments > 0, c.enrollments.desc()).label("by_enrollments"),
        place(c.revenue_cents > 0, c.revenue_cents.desc(), c.enrollments.desc()).label("by_revenue"),
    ).subquery()
    places = ("by_completion_rate", "by_enrollments", "by_revenue")
    rows = reads().execute(select(ranked).where(or_(*(ranked.c[name] <= limit for name in places)))).all()

    def ranking(name: str) -> list[CourseFigures]:
        placed = sorted((row for row in rows if getattr(row, name) is not None and getattr(row, name) <= limit),
                        key=lambda row: getattr(row, name))
        return [_figures(row) for row in placed]

    return TopCourses(*(ranking(name) for name in places))


# --- engagement -----------------------------------------------------------------------------

@dataclass
class WeeklyActive:
    week_start: date  # Monday, UTC
    learners: int


@dataclass
class Engagement:
    dau: int
    wau: int
    mau: int
    weekly: list[WeeklyActive]  # oldest first; the last week is the current, partial one


def active_learners(now: datetime) -> dict[str, int]:
    """dau, wau and mau: distinct users with an event (any kind) in the last 1, 7 and 30
    days up to ``now``: one statement over the event log's time index."""
    longest = max(ACTIVE_WINDOWS.values())
    counts = reads().execute(
        select(*(func.count(distinct(ProgressEvent.user_id)).filter(ProgressEvent.occurred_at >= now - window)
                 for window in ACTIVE_WINDOWS.values()))
        .where(ProgressEvent.occurred_at >= now - longest, ProgressEvent.occurred_at <= now)
    ).one()
    return dict(zip(ACTIVE_WINDOWS, counts, strict=True))


def weekly_active_learners(now: datetime, weeks: int = ENGAGEMENT_WEEKS) -> list[WeeklyActive]:
    """Distinct active learners per ISO week for the ``weeks`` weeks up to ``now``'s, weeks
    without activity as 0: one grouped query."""
    first = _monday(now) - (weeks - 1) * ONE_WEEK
    week = week_start(ProgressEvent.occurred_at).label("week")
    learners = dict(reads().execute(
        select(week, func.count(distinct(ProgressEvent.user_id)))
        .where(ProgressEvent.occurred_at >= _midnight(first), ProgressEvent.occurred_at <= now)
        .group_by(week)
    ).all())
    mondays = [first + k * ONE_WEEK for k in range(weeks)]
    return [WeeklyActive(monday, learners.get(monday.isoformat(), 0)) for monday in mondays]


def engagement(now: datetime | None = None) -> Engagement:
    now = now or utcnow()
    return Engagement(**active_learners(now), weekly=weekly_active_learners(now))


# --- retention ------------------------------------------------------------------------------

@dataclass
class Cohort:
    week_start: date  # the Monday of the sign-up week, UTC
    size: int  # students who signed up that week
    active: list[int]  # active[k]: of those, how many had activity in week k since sign-up
    retention: list[float]  # active[k] as a percentage of size

    @property
    def weeks(self) -> int:
        return len(self.active)


def retention_cohorts(weeks: int = RETENTION_WEEKS, now: datetime | None = None) -> list[Cohort]:
    """Weekly sign-up cohorts of students for the last ``weeks`` ISO weeks (``now``'s
    included), oldest first, each with its share of learners active in each week since.

    Week 0 is the sign-up week itself, week k the k-th ISO week after it; a cohort has a
    figure for every week up to the current one, so later cohorts have fewer (a triangle),
    and weeks without sign-ups are cohorts of size 0. Activity is any event in the log.
    Two grouped queries: cohort sizes, and distinct active learners per (cohort, week).
    """
    if not 1 <= weeks <= MAX_RETENTION_WEEKS:
        raise Invalid(gettext("Too few or too many weeks."), details={"weeks": gettext("from 1 to %(max)s", max=MAX_RETENTION_WEEKS)})
    now = now or utcnow()
    first = _monday(now) - (weeks - 1) * ONE_WEEK
    students = and_(User.role == "student", User.created_at >= _midnight(first), User.created_at <= now)
    cohort = week_start(User.created_at).label("cohort")
    sizes = dict(reads().execute(select(cohort, func.count()).where(students).group_by(cohort)).all())
    week = week_start(ProgressEvent.occurred_at).label("week")
    active = {
        (date.fromisoformat(signed_up), date.fromisoformat(active_week)): learners
        for signed_up, active_week, learners in reads().execute(
            select(cohort, week, func.count(distinct(ProgressEvent.user_id)))
            .join(User, User.id == ProgressEvent.user_id)
            .where(students, ProgressEvent.occurred_at >= _midnight(first), ProgressEvent.occurred_at <= now)
            .group_by(cohort, week)
        )
    }
    cohorts = []
    for index in range(weeks):
        monday = first + index * ONE_WEEK
        size = sizes.get(monday.isoformat(), 0)
        counts = [active.get((monday, monday + k * ONE_WEEK), 0) for k in range(weeks - index)]
        cohorts.append(Cohort(monday, size, counts, [percentage(n, size) for n in counts]))
    return cohorts


# --- learning patterns ------------------------------------------------------------------

@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone (as Python and PostgreSQL know them); 422 otherwise."""
    if name not in _zone_names():
        raise Invalid(gettext("Unknown time zone."), details={"tz": gettext("an IANA time zone name, e.g. Europe/Berlin")})
    return name


@dataclass
class WeekdayActivity:
    weekday: int  # ISO: 1 is Monday, 7 is Sunday
    name: str  # Mon .. Sun
    hours: list[int]  # 24 counts, hour 0 first

    @property
    def total(self) -> int:
        return sum(self.hours)


@dataclass
class LearningPatterns:
    timezone: str
    days: int
    since: datetime
    until: datetime
    weekdays: list[WeekdayActivity]  # Monday first

    @property
    def total(self) -> int:
        return sum(day.total for day in self.weekdays)

    @property
    def peak(self) -> int:
        """The largest hourly count (0 when there is no activity): the heat map's scale."""
        return max((max(day.hours) for day in self.weekdays), default=0)


def learning_patterns(tz: str, now: datetime | None = None, days: int = PATTERN_DAYS) -> LearningPatterns:
    """When learners study: activity by local weekday and hour in the time zone ``tz``
    over the ``days`` days up to ``now``.

    Every event counts (started, completed, reopened): each is a learner at work at that
    moment, which is the question; completions alone would hide the study sessions that
    end without one. The local time is computed in SQL (see ``hour_of_week_in_zone``),
    grouped into at most 168 rows: one statement.
    """
    check_timezone(tz)
    if not 1 <= days <= MAX_PATTERN_DAYS:
        raise Invalid(gettext("Too few or too many days."), details={"days": gettext("from 1 to %(max)s", max=MAX_PATTERN_DAYS)})
    now = now or utcnow()
    since = now - timedelta(days=days)
    hour = hour_of_week_in_zone(ProgressEvent.occurred_at, tz, since, now).label("hour_of_week")
    counts = dict(reads().execute(
        select(hour, func.count())
        .where(ProgressEvent.occurred_at >= since, ProgressEvent.occurred_at <= now)
        .group_by(hour)
    ).all())
    weekdays = [WeekdayActivity(day + 1, name, [counts.get(day * 24 + h, 0) for h in range(24)])
                for day, name in enumerate(WEEKDAY_NAMES)]
    return LearningPatterns(tz, days, since, now, weekdays)


# --- the whole dashboard ----------------------------------------------------------------

@dataclass
class Revenue:
    total_cents: int
    by_month: list[MonthRevenue]  # the last 12 months, oldest first
    by_course: list[CourseFigures]  # the top courses by revenue


@dataclass
class PlatformOverview:
    users: UserCounts
    total_courses: int
    total_enrollments: int
    completed_enrollments: int
    completion_rate: float  # completed enrollments over all enrollments
    revenue: Revenue
    top_courses: TopCourses
    course_completion: Page  # CourseFigures of every course, by title, one page
    engagement: Engagement
    retention: list[Cohort]  # the last 12 weeks' cohorts
    learning_patterns: LearningPatterns  # UTC, the last 90 days
    support_tickets: TicketCounts


def platform_overview(now: datetime | None = None, *, top: int = TOP_COURSES,
                      min_enrollments: int = MIN_ENROLLMENTS_TO_RANK, course_page: int = 1,
                      course_per_page: int = 50) -> PlatformOverview:
    """Every figure of the admin dashboard, with retention and learning patterns at their
    defaults (12 weeks; UTC, 90 days): twelve statements whatever the data (thirteen on
    SQLite once a ticket has been closed, for the median)."""
    now = now or utcnow()
    totals = enrollment_totals()
    best = top_courses(top, min_enrollments)
    return PlatformOverview(
        users=users_by_role(),
        total_courses=totals.courses,
        total_enrollments=totals.enrollments,
        completed_enrollments=totals.completed,
        completion_rate=percentage(totals.completed, totals.enrollments),
        revenue=Revenue(totals.revenue_cents, revenue_by_month(now), best.by_revenue),
        top_courses=best,
        course_completion=course_completion_rates(course_page, course_per_page),
        engagement=engagement(now),
        retention=retention_cohorts(now=now),
        learning_patterns=learning_patterns("UTC", now=now),
        support_tickets=ticket_counts(),
    )
