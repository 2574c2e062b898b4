"""Platform analytics (the admin dashboard) on hand-computed data, and its JSON mirror.

The platform, with ``NOW`` = Wednesday 2026-01-14 12:00 UTC (ISO week of Monday 01-12);
every course has 2 modules:

| course | price | enrollments | completed | completed modules | revenue |
|---|---|---|---|---|---|
| Alpha | 10.00 | s1-s6 (6) | s1-s3 (3) | 3*2 + 1 (s4) = 7 of 12 | 6000 |
| Beta  | 20.00 | s1-s5 (5) | s1-s4 (4) | 8 of 10 | 10000 |
| Delta | free  | s7 (1)    | none      | 0 of 2 | 0 |
| Gamma | 5.00  | s1-s2 (2) | s1-s2 (2) | 4 of 4 | 1000 |

14 enrollments, 9 completed (64.29%), 17000 cents. Users: 1 admin, 2 instructors, 7 students.
Enrolled (revenue by month, the 12 months 2025-02 .. 2026-01):

| month | enrollments | cents |
|---|---|---|
| 2025-01 | Alpha (before the window: in the total only) | (1000) |
| 2025-06 | Gamma x2 | 1000 |
| 2025-10 | Alpha, Beta | 3000 |
| 2025-11 | Delta (free): a month with an enrollment and no revenue | 0 |
| 2025-12 | Alpha (31st 23:59:59), Beta x3 | 7000 |
| 2026-01 | Alpha (1st 00:00:00, 10th, 13th), Beta | 5000 |
"""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete

from elearn.analytics import platform
from elearn.errors import Invalid
from elearn.progress.models import ProgressEvent
from elearn.tickets import service as tickets

NOW = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)

ENROLLED = {  # course: the students' enrolment times, in student order
    "Alpha": (datetime(2025, 1, 31, 10, tzinfo=UTC), datetime(2025, 10, 5, tzinfo=UTC),
              datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC),
              datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 1, 13, tzinfo=UTC)),
    "Beta": (datetime(2025, 12, 1, tzinfo=UTC), datetime(2025, 12, 1, 8, tzinfo=UTC),
             datetime(2025, 12, 15, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC),
             datetime(2025, 10, 20, tzinfo=UTC)),
    "Gamma": (datetime(2025, 6, 15, tzinfo=UTC), datetime(2025, 6, 16, tzinfo=UTC)),
}
COMPLETED_MODULES = {  # course: modules completed by each student, in student order
    "Alpha": (2, 2, 2, 1, 0, 0),
    "Beta": (2, 2, 2, 2, 0),
    "Gamma": (2, 2),
}


class Platform:
    def __init__(self, courses, students, enrollments):
        self.courses = courses
        self.students = students
        self.enrollments = enrollments  # (course title, student index from 1) -> Enrollment


def add_event(db, enrollment, at: datetime, kind="completed"):
    db.session.add(ProgressEvent(user_id=enrollment.user_id, course_id=enrollment.course_id,
                                 enrollment_id=enrollment.id, module_id=None, kind=kind, occurred_at=at))


@pytest.fixture
def data(db, make) -> Platform:
    make.user("admin", email="root@example.com")
    ada, grace = make.user("instructor", email="ada@example.com"), make.user("instructor", email="grace@example.com")
    courses = {
        "Alpha": make.course(ada, modules=2, title="Alpha", price_cents=1000),
        "Beta": make.course(ada, modules=2, title="Beta", price_cents=2000),
        "Gamma": make.course(grace, modules=2, title="Gamma", price_cents=500),
        "Delta": make.course(grace, modules=2, title="Delta"),
    }
    students = [make.user(email=f"s{k}@example.com") for k in range(1, 8)]
    enrollments = {}
    for title, times in ENROLLED.items():
        for k, (enrolled_at, done) in enumerate(zip(times, COMPLETED_MODULES[title], strict=True), start=1):
            enrollment = make.complete(make.enroll(students[k - 1], courses[title]), done)
            enrollment.enrolled_at = enrolled_at
            enrollments[title, k] = enrollment
    delta = make.enroll(students[6], courses["Delta"])
    delta.enrolled_at = datetime(2025, 11, 20, tzinfo=UTC)
    enrollments["Delta", 7] = delta
    db.session.execute(delete(ProgressEvent))  # completing wrote events at the real time
    db.session.commit()
    return Platform(courses, students, enrollments)


def _titles(figures):
    return [course.title for course in figures]


# --- users, enrollments, revenue -------------------------------------------------------------

def test_users_are_counted_by_role(data):
    users = platform.platform_overview(NOW).users
    assert (users.total, users.students, users.instructors, users.admins) == (10, 7, 2, 1)


def test_completion_rate_is_completed_enrollments_over_all(data):
    overview = platform.platform_overview(NOW)
    assert (overview.total_courses, overview.total_enrollments, overview.completed_enrollments) == (4, 14, 9)
    assert overview.completion_rate == 64.29


def test_revenue_sums_prices_paid_by_utc_month_with_empty_months(data, make, db):
    data.courses["Alpha"].price_cents = 99_999  # a later price change does not rewrite what was paid
    db.session.commit()
    revenue = platform.platform_overview(NOW).revenue
    assert revenue.total_cents == 17_000
    assert [(m.month, m.cents) for m in revenue.by_month] == [
        ("2025-02", 0), ("2025-03", 0), ("2025-04", 0), ("2025-05", 0), ("2025-06", 1000), ("2025-07", 0),
        ("2025-08", 0), ("2025-09", 0), ("2025-10", 3000), ("2025-11", 0), ("2025-12", 7000), ("2026-01", 5000)]


def test_revenue_months_follow_now_across_the_year(data):
    by_month = platform.revenue_by_month(datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), months=3)
    assert [(m.month, m.cents) for m in by_month] == [("2025-10", 3000), ("2025-11", 0), ("2025-12", 7000)]
    by_month = platform.revenue_by_month(datetime(2026, 1, 1, tzinfo=UTC), months=2)
    assert [(m.month, m.cents) for m in by_month] == [("2025-12", 7000), ("2026-01", 5000)]


def test_revenue_by_course_is_the_top_courses_by_revenue(data):
    revenue = platform.platform_overview(NOW).revenue
    assert [(c.title, c.revenue_cents) for c in revenue.by_course] == [
        ("Beta", 10_000), ("Alpha", 6000), ("Gamma", 1000)]  # Delta earned nothing


# --- courses ------------------------------------------------------------------------------------

def test_top_courses_by_completion_rate_need_the_minimum_enrollments(data):
    top = platform.top_courses()
    # Gamma (2/2) is at 100% but has 2 enrollments, under the minimum of 5.
    assert [(c.title, c.completion_rate) for c in top.by_completion_rate] == [("Beta", 80.0), ("Alpha", 50.0)]
    lowered = platform.top_courses(min_enrollments=2)
    assert _titles(lowered.by_completion_rate) == ["Gamma", "Beta", "Alpha"]
    assert _titles(platform.top_courses(min_enrollments=6).by_completion_rate) == ["Alpha"]


def test_top_courses_by_enrollments_and_revenue_are_cut_at_the_limit(data):
    top = platform.top_courses(limit=2, min_enrollments=1)
    assert _titles(top.by_enrollments) == ["Alpha", "Beta"]
    assert _titles(top.by_revenue) == ["Beta", "Alpha"]
    assert _titles(top.by_completion_rate) == ["Gamma", "Beta"]
    everything = platform.top_courses(limit=10, min_enrollments=1)
    assert [(c.title, c.enrollments) for c in everything.by_enrollments] == [
        ("Alpha", 6), ("Beta", 5), ("Gamma", 2), ("Delta", 1)]
    assert _titles(everything.by_completion_rate) == ["Gamma", "Beta", "Alpha", "Delta"]


def test_top_course_ties_go_to_more_enrollments_then_title(data, make):
    grace = make.user("instructor")
    for title in ("Zeta", "Eta"):  # 1 of 5 completed: 20%, as is Kappa with 2 of 10
        course = make.course(grace, modules=1, title=title)
        for k in range(5):
            make.complete(make.enroll(make.user(), course), 1 if k == 0 else 0)
    kappa = make.course(grace, modules=1, title="Kappa")
    for k in range(10):
        make.complete(make.enroll(make.user(), kappa), 1 if k < 2 else 0)
    assert _titles(platform.top_courses(limit=10).by_completion_rate) == ["Beta", "Alpha", "Kappa", "Eta", "Zeta"]


def test_top_lists_are_refused_without_a_positive_length(data):
    with pytest.raises(Invalid):
        platform.top_courses(limit=0)
    with pytest.raises(Invalid):
        platform.top_courses(min_enrollments=0)


def test_course_completion_table_has_every_course_by_title_a_page_at_a_time(data):
    first = platform.course_completion_rates(page=1, per_page=3)
    assert first.total == 4
    assert [(c.title, c.enrollments, c.completed, c.completion_rate, c.average_completion, c.revenue_cents)
            for c in first.items] == [
        ("Alpha", 6, 3, 50.0, 58.33, 6000), ("Beta", 5, 4, 80.0, 80.0, 10_000), ("Delta", 1, 0, 0.0, 0.0, 0)]
    second = platform.course_completion_rates(page=2, per_page=3)
    assert [(c.title, c.completion_rate, c.average_completion) for c in second.items] == [("Gamma", 100.0, 100.0)]


def test_an_empty_platform_has_zeros(db):
    overview = platform.platform_overview(NOW)
    assert (overview.users.total, overview.total_courses, overview.total_enrollments, overview.completion_rate,
            overview.revenue.total_cents) == (0, 0, 0, 0, 0)
    assert [m.cents for m in overview.revenue.by_month] == [0] * 12
    assert overview.top_courses == platform.TopCourses([], [], [])
    assert (overview.engagement.dau, overview.engagement.wau, overview.engagement.mau) == (0, 0, 0)
    assert overview.learning_patterns.total == 0 and overview.learning_patterns.peak == 0
    assert (overview.support_tickets.open, overview.support_tickets.closed,
            overview.support_tickets.median_hours_to_close) == (0, 0, None)


# --- engagement ---------------------------------------------------------------------------------

@pytest.fixture
def activity(db, data):
    """s1 active 1 h and 2 h ago, s2 23 h ago (both daily); s3 25 h and s4 6 d 23 h ago
    (weekly); s5 7 d 1 h and s6 29 d ago (monthly); s7 31 d ago and in an hour (never);
    s1 and s2 also either side of New Year (the ISO week of Monday 2025-12-29)."""
    e = data.enrollments
    for key, ago in ((("Alpha", 1), HOUR), (("Beta", 1), 2 * HOUR), (("Alpha", 2), 23 * HOUR),
                     (("Alpha", 3), 25 * HOUR), (("Alpha", 4), 7 * DAY - HOUR), (("Alpha", 5), 7 * DAY + HOUR),
                     (("Alpha", 6), 29 * DAY), (("Delta", 7), 31 * DAY), (("Delta", 7), -HOUR)):
        add_event(db, e[key], NOW - ago, kind="started")
    add_event(db, e["Alpha", 1], datetime(2025, 12, 31, 23, tzinfo=UTC))
    add_event(db, e["Gamma", 2], datetime(2026, 1, 1, 1, tzinfo=UTC), kind="reopened")
    db.session.commit()


def test_daily_weekly_and_monthly_active_learners_count_distinct_users_in_each_window(activity):
    engagement = platform.engagement(NOW)
    assert (engagement.dau, engagement.wau, engagement.mau) == (2, 4, 6)


def test_active_learner_windows_move_with_now(activity):
    # Two hours on, s2 (now 25 h ago) leaves the day and s4 (7 d 1 h) the week, while s7's
    # event an hour after NOW is in the past and counts everywhere.
    assert platform.active_learners(NOW + 2 * HOUR) == {"dau": 2, "wau": 4, "mau": 7}
    # Two days on: nobody in the day; s1, s2, s3 and s7 in the week; s6 (31 days) out of the month.
    assert platform.active_learners(NOW + 2 * DAY) == {"dau": 0, "wau": 4, "mau": 6}


def test_weekly_active_learners_cover_12_iso_weeks_with_empty_ones(activity):
    weekly = platform.engagement(NOW).weekly
    assert [w.week_start for w in weekly] == [date(2025, 10, 27) + timedelta(weeks=k) for k in range(12)]
    assert {w.week_start: w.learners for w in weekly if w.learners} == {
        date(2025, 12, 8): 1,  # s7, Sunday 12-14
        date(2025, 12, 15): 1,  # s6
        date(2025, 12, 29): 2,  # s1 on New Year's Eve, s2 on New Year's Day: one ISO week
        date(2026, 1, 5): 2,  # s4 and s5, both on Wednesday 01-07
        date(2026, 1, 12): 3,  # s1 (twice), s2, s3
    }


# --- retention -------------------------------------------------------------------------------------

def _student(make, db, email, created_at):
    student = make.user(email=email)
    student.created_at = created_at
    db.session.commit()
    return student


def _at(*parts):
    return datetime(*parts, tzinfo=UTC)


def test_retention_cohorts_across_the_year_boundary(db, make):
    """Cohorts of the ISO weeks of Mondays 12-22, 12-29 (which holds New Year), 01-05, 01-12.

    | student | signed up | events | weeks since sign-up |
    |---|---|---|---|
    | c1 | Mon 12-22 09:00 | 12-23, 12-30, 01-13 | 0, 1, 3 |
    | c2 | Sun 12-28 23:59 | Mon 12-29 01:00 | 1 |
    | c3 | Mon 12-29 00:00 | 12-31, 01-01, 01-05 | 0, 0, 1 |
    | c4 | Thu 01-01 10:00 | 01-02 | 0 |
    | c5 | Sun 01-04 | none | |
    | c6 | Tue 01-06 | 01-12, 01-14 | 1, 1 |
    """
    course = make.course(modules=1)
    signed_up = {"c1": _at(2025, 12, 22, 9), "c2": _at(2025, 12, 28, 23, 59), "c3": _at(2025, 12, 29),
                 "c4": _at(2026, 1, 1, 10), "c5": _at(2026, 1, 4, 12), "c6": _at(2026, 1, 6, 8),
                 "old": _at(2025, 12, 1), "future": NOW + HOUR}
    events = {"c1": [_at(2025, 12, 23), _at(2025, 12, 30), _at(2026, 1, 13)], "c2": [_at(2025, 12, 29, 1)],
              "c3": [_at(2025, 12, 31), _at(2026, 1, 1), _at(2026, 1, 5)], "c4": [_at(2026, 1, 2)],
              "c6": [_at(2026, 1, 12), NOW - HOUR], "old": [_at(2025, 12, 30)], "future": [NOW - HOUR]}
    for key, created_at in signed_up.items():
        enrollment = make.enroll(_student(make, db, f"{key}@example.com", created_at), course)
        for at in events.get(key, []):
            add_event(db, enrollment, at)
    teacher = make.user("instructor")  # instructors are not a cohort
    teacher.created_at = _at(2025, 12, 23)
    db.session.commit()

    cohorts = platform.retention_cohorts(weeks=4, now=NOW)
    assert [(c.week_start, c.size, c.active, c.retention) for c in cohorts] == [
        (date(2025, 12, 22), 2, [1, 2, 0, 1], [50.0, 100.0, 0.0, 50.0]),
        (date(2025, 12, 29), 3, [2, 1, 0], [66.67, 33.33, 0.0]),
        (date(2026, 1, 5), 1, [0, 1], [0.0, 100.0]),
        (date(2026, 1, 12), 0, [0], [0.0]),
    ]
    assert [c.weeks for c in cohorts] == [4, 3, 2, 1]


def test_retention_cohorts_across_a_month_boundary(db, make):
    course = make.course(modules=1)
    now = _at(2026, 3, 4, 12)  # Wednesday; the week before runs Monday 02-23 to Sunday 03-01
    for email, created_at, activity in (("feb@example.com", _at(2026, 2, 28, 18), [_at(2026, 3, 1, 23, 59)]),
                                        ("mar@example.com", _at(2026, 3, 1, 9), [_at(2026, 3, 2)]),
                                        ("idle@example.com", _at(2026, 2, 23), [])):
        enrollment = make.enroll(_student(make, db, email, created_at), course)
        for at in activity:
            add_event(db, enrollment, at)
    db.session.commit()
    cohorts = platform.retention_cohorts(weeks=2, now=now)
    assert [(c.week_start, c.size, c.active) for c in cohorts] == [
        (date(2026, 2, 23), 3, [1, 1]), (date(2026, 3, 2), 0, [0])]
    assert cohorts[0].retention == [33.33, 33.33]


@pytest.mark.parametrize("weeks", [0, 53])
def test_retention_refuses_too_few_or_too_many_weeks(db, weeks):
    with pytest.raises(Invalid) as error:
        platform.retention_cohorts(weeks=weeks, now=NOW)
    assert "weeks" in error.value.details


# --- learning patterns -----------------------------------------------------------------------------

PATTERN_NOW = _at(2026, 3, 10, 12)


@pytest.fixture
def pattern_events(db, make):
    """Monday 2026-03-02 23:30 UTC twice, 18:29 and 18:30 (either side of midnight in Kolkata);
    Friday 03-06 17:30 and Monday 03-09 17:30 UTC, either side of the US change to summer
    time on Sunday 03-08; and two outside the 90 days (too old, and after now)."""
    enrollment = make.enroll(make.user(), make.course(modules=1))
    for at in (_at(2026, 3, 2, 23, 30), _at(2026, 3, 2, 23, 45), _at(2026, 3, 2, 18, 29), _at(2026, 3, 2, 18, 30),
               _at(2026, 3, 6, 17, 30), _at(2026, 3, 9, 17, 30),
               PATTERN_NOW - timedelta(days=90, minutes=1), PATTERN_NOW + HOUR):
        add_event(db, enrollment, at, kind="started")
    db.session.commit()


def _cells(patterns):
    """{(weekday name, hour): count} of the non-empty cells."""
    return {(day.name, hour): count for day in patterns.weekdays for hour, count in enumerate(day.hours) if count}


def test_learning_patterns_in_utc(pattern_events):
    patterns = platform.learning_patterns("UTC", now=PATTERN_NOW)
    assert _cells(patterns) == {("Mon", 23): 2, ("Mon", 18): 2, ("Fri", 17): 1, ("Mon", 17): 1}
    assert patterns.total == 6 and patterns.peak == 2
    assert [(d.weekday, d.name) for d in patterns.weekdays] == list(enumerate(platform.WEEKDAY_NAMES, start=1))
    assert (patterns.since, patterns.until) == (PATTERN_NOW - timedelta(days=90), PATTERN_NOW)


def test_learning_patterns_in_berlin_move_late_monday_to_tuesday(pattern_events):
    # CET is UTC+1 until 03-29: 23:30 UTC is 00:30 on Tuesday.
    assert _cells(platform.learning_patterns("Europe/Berlin", now=PATTERN_NOW)) == {
        ("Tue", 0): 2, ("Mon", 19): 2, ("Fri", 18): 1, ("Mon", 18): 1}


def test_learning_patterns_in_los_angeles_follow_daylight_saving(pattern_events):
    # PST (UTC-8) until Sunday 03-08, PDT (UTC-7) after: 17:30 UTC is 09:30 on Friday but 10:30
    # on Monday 03-09, which joins 03-02's 18:29 and 18:30 (10:29 and 10:30 PST).
    assert _cells(platform.learning_patterns("America/Los_Angeles", now=PATTERN_NOW)) == {
        ("Mon", 15): 2, ("Mon", 10): 3, ("Fri", 9): 1}


def test_learning_patterns_in_a_half_hour_zone(pattern_events):
    # Asia/Kolkata is UTC+05:30: 18:29 UTC is 23:59 on Monday, 18:30 is Tuesday 00:00, 23:30 is 05:00.
    # Friday 17:30 is 23:00 and so is Monday 03-09 17:30: Kolkata has no summer time.
    assert _cells(platform.learning_patterns("Asia/Kolkata", now=PATTERN_NOW)) == {
        ("Mon", 23): 2, ("Tue", 0): 1, ("Tue", 5): 2, ("Fri", 23): 1}


def test_learning_patterns_window_is_the_last_days(pattern_events):
    assert platform.learning_patterns("UTC", now=PATTERN_NOW, days=91).total == 7
    assert platform.learning_patterns("UTC", now=PATTERN_NOW, days=3).total == 1  # Monday 03-09 only


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "utc ", "../etc/passwd", "Europe/Berlin'; --"])
def test_learning_patterns_refuse_unknown_time_zones(db, tz):
    with pytest.raises(Invalid) as error:
        platform.learning_patterns(tz, now=PATTERN_NOW)
    assert "tz" in error.value.details


@pytest.mark.parametrize("days", [0, 367])
def test_learning_patterns_refuse_too_few_or_too_many_days(db, days):
    with pytest.raises(Invalid) as error:
        platform.learning_patterns("UTC", now=PATTERN_NOW, days=days)
    assert "days" in error.value.details


# --- support tickets in the overview ---------------------------------------------------------------

def test_the_overview_counts_tickets_with_the_median_time_to_close(data, db):
    student = data.students[0]
    opened = NOW - 10 * DAY
    for hours in (2, 10, 4, None):
        ticket = tickets.open_ticket(student, "Help", "Please.")
        ticket.created_at = opened
        if hours is not None:
            ticket.status, ticket.closed_at = "closed", opened + hours * HOUR
    db.session.commit()
    counts = platform.platform_overview(NOW).support_tickets
    assert (counts.open, counts.closed, counts.median_hours_to_close) == (1, 3, 4.0)


# --- statement counts ------------------------------------------------------------------------------

def _grow(db, make, data, activity_at):
    """More of everything: users, courses, enrollments, events, tickets."""
    course = make.course(modules=3, price_cents=700)
    for k in range(8):
        student = make.user()
        enrollment = make.complete(make.enroll(student, course), k % 4)
        add_event(db, enrollment, activity_at - k * HOUR)
        ticket = tickets.open_ticket(student, "More", "Help")
        if k % 2:
            ticket.status, ticket.closed_at = "closed", ticket.created_at + (k + 1) * HOUR
    db.session.commit()


def _statements_of(count_queries, call):
    with count_queries() as statements:
        call()
    return len(statements)


def test_the_overview_is_a_fixed_number_of_statements(db, make, data, activity, count_queries):
    ticket = tickets.open_ticket(data.students[0], "First", "Help")
    ticket.status, ticket.closed_at = "closed", ticket.created_at + HOUR
    db.session.commit()
    small = _statements_of(count_queries, lambda: platform.platform_overview(NOW))
    _grow(db, make, data, NOW - HOUR)
    large = _statements_of(count_queries, lambda: platform.platform_overview(NOW))
    assert small == large <= 13
    for call in (lambda: platform.retention_cohorts(now=NOW), lambda: platform.learning_patterns("Asia/Kolkata"),
                 lambda: platform.top_courses()):
        assert _statements_of(count_queries, call) <= 2


# --- the JSON API --------------------------------------------------------------------------------

PROMISED_KEYS = {"users", "totalCourses", "totalEnrollments", "completionRate", "revenue", "topCourses",
                 "engagement", "retention", "learningPatterns", "supportTickets"}
PATHS = ("/api/analytics/platform", "/api/analytics/retention", "/api/analytics/learning-patterns")


@pytest.fixture
def tokens(api, data):
    return {who: api.token(f"{who}@example.com") for who in ("root", "ada", "s1")}


def test_every_platform_endpoint_is_for_admins_only(api, tokens):
    for path in PATHS:
        assert api.get(path).status_code == 401, path
        for who in ("ada", "s1"):
            response = api.get(path, tokens[who], query_string={"tz": "Mars/Olympus"})  # the role comes first
            assert response.status_code == 403, (path, who)
            assert response.get_json()["error"]["code"] == "forbidden"
        assert api.get(path, tokens["root"]).status_code == 200, path


def test_the_platform_answers_the_contract_shape(api, db, data, tokens):
    add_event(db, data.enrollments["Alpha", 1], datetime.now(UTC) - HOUR)
    tickets.open_ticket(data.students[0], "Help", "Please.")
    db.session.commit()
    body = api.get("/api/analytics/platform", tokens["root"]).get_json()
    assert PROMISED_KEYS <= set(body)
    assert body["users"] == {"total": 10, "students": 7, "instructors": 2, "admins": 1}
    assert (body["totalCourses"], body["totalEnrollments"], body["completedEnrollments"], body["completionRate"]) == (
        4, 14, 9, 64.29)
    assert set(body["revenue"]) == {"totalCents", "byMonth", "byCourse"}
    assert body["revenue"]["totalCents"] == 17_000
    assert len(body["revenue"]["byMonth"]) == 12 and set(body["revenue"]["byMonth"][0]) == {"month", "cents"}
    assert [(c["title"], c["completionRate"]) for c in body["topCourses"]] == [("Beta", 80.0), ("Alpha", 50.0)]
    assert set(body["topCourses"][0]) == {"courseId", "title", "published", "enrollments", "completed",
                                          "completionRate", "averageCompletion", "revenueCents", "atRisk"}
    assert [c["title"] for c in body["topCoursesByEnrollments"]] == ["Alpha", "Beta", "Gamma", "Delta"]
    assert {k: body["engagement"][k] for k in ("dau", "wau", "mau")} == {"dau": 1, "wau": 1, "mau": 1}
    assert len(body["engagement"]["weekly"]) == 12 and body["engagement"]["weekly"][-1]["learners"] == 1
    assert len(body["retention"]) == 12 and set(body["retention"][0]) == {"weekStart", "size", "active", "retention"}
    assert [d["name"] for d in body["learningPatterns"]] == list(platform.WEEKDAY_NAMES)
    assert sum(d["total"] for d in body["learningPatterns"]) == 1
    assert body["supportTickets"] == {"open": 1, "closed": 0, "medianHoursToClose": None}
    assert (body["courseCompletion"]["total"], body["courseCompletion"]["perPage"]) == (4, 50)


def test_the_platform_pages_the_course_table_and_takes_the_ranking_minimum(api, tokens):
    body = api.get("/api/analytics/platform?page=2&perPage=3&minEnrollments=2", tokens["root"]).get_json()
    assert [c["title"] for c in body["courseCompletion"]["items"]] == ["Gamma"]
    assert [c["title"] for c in body["topCourses"]] == ["Gamma", "Beta", "Alpha"]


def test_retention_and_learning_patterns_endpoints(api, db, data, tokens):
    add_event(db, data.enrollments["Alpha", 1], datetime.now(UTC) - HOUR)
    db.session.commit()
    retention = api.get("/api/analytics/retention?weeks=3", tokens["root"]).get_json()
    assert retention["weeks"] == 3 and [len(c["active"]) for c in retention["cohorts"]] == [3, 2, 1]
    patterns = api.get("/api/analytics/learning-patterns", tokens["root"],
                       query_string={"tz": "Asia/Kolkata", "days": 7}).get_json()
    assert set(patterns) == {"timezone", "days", "since", "until", "total", "peak", "weekdays"}
    assert (patterns["timezone"], patterns["days"], patterns["total"]) == ("Asia/Kolkata", 7, 1)
    assert datetime.fromisoformat(patterns["until"]) - datetime.fromisoformat(patterns["since"]) == 7 * DAY
    assert all(len(day["hours"]) == 24 for day in patterns["weekdays"])


@pytest.mark.parametrize("path, query, field", [
    ("/api/analytics/learning-patterns", {"tz": "Mars/Olympus"}, "tz"),
    ("/api/analytics/learning-patterns", {"tz": ""}, "tz"),
    ("/api/analytics/learning-patterns", {"days": "0"}, "days"),
    ("/api/analytics/learning-patterns", {"days": "367"}, "days"),
    ("/api/analytics/learning-patterns", {"zone": "UTC"}, "zone"),
    ("/api/analytics/retention", {"weeks": "0"}, "weeks"),
    ("/api/analytics/retention", {"weeks": "53"}, "weeks"),
    ("/api/analytics/retention", {"weeks": "many"}, "weeks"),
    ("/api/analytics/platform", {"perPage": "201"}, "perPage"),
    ("/api/analytics/platform", {"minEnrollments": "0"}, "minEnrollments"),
])
def test_bad_parameters_are_422_naming_the_field(api, tokens, path, query, field):
    response = api.get(path, tokens["root"], query_string=query)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["details"]


def test_the_openapi_document_describes_the_platform_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in PATHS:
        assert {"200", "401", "403", "422"} <= set(spec["paths"][path]["get"]["responses"]), path
    assert PROMISED_KEYS <= set(spec["components"]["schemas"]["PlatformOut"]["properties"])
    patterns = spec["paths"]["/api/analytics/learning-patterns"]["get"]
    assert {p["name"] for p in patterns["parameters"]} == {"tz", "days"}


def test_the_platform_endpoint_statements_do_not_grow_with_data(api, db, make, data, activity, tokens,
                                                                count_queries):
    ticket = tickets.open_ticket(data.students[0], "First", "Help")
    ticket.status, ticket.closed_at = "closed", ticket.created_at + HOUR
    db.session.commit()

    def statements(path):
        with count_queries() as sent:
            assert api.get(path, tokens["root"]).status_code == 200
        return len(sent)

    small = [statements(path) for path in PATHS]
    _grow(db, make, data, datetime.now(UTC) - HOUR)
    assert [statements(path) for path in PATHS] == small
    assert small[0] <= 14 and small[1] <= 3 and small[2] <= 2  # the user's row, then the figures
