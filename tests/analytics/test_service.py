"""Course analytics figures, pinned on the issue's hand-computed course (see conftest)."""
import csv
import functools
import inspect
import io
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from elearn.analytics import service
from elearn.analytics.service import COMPLETED, NOT_STARTED, STARTED
from elearn.auth.models import User
from elearn.catalog.models import Course
from elearn.enrollments.models import Enrollment
from elearn.errors import Forbidden, Invalid, NotFound
from elearn.progress import writes as progress
from elearn.web.downloads import spreadsheet_safe
from tests.analytics.conftest import pin_times


def _emails(page):
    return [row.email for row in page.items]


# --- course_analytics ---------------------------------------------------------------------

def test_course_figures_match_the_hand_computed_course(issue):
    figures = service.course_analytics(issue.instructor, issue.course.id, now=issue.now)
    assert figures.course_id == issue.course.id and figures.title == "Hand-computed"
    assert figures.total_enrollments == 4
    assert figures.average_completion == 43.75  # (100 + 50 + 25 + 0) / 4
    assert figures.completed_enrollments == 1
    assert figures.completion_rate == 25.0
    assert figures.average_days_to_complete == 10.5
    assert figures.active_learners_7d == 2  # Ana (2 days) and Cleo (3 days)


def test_module_figures_are_in_module_order(issue):
    modules = service.course_analytics(issue.instructor, issue.course.id, now=issue.now).modules
    assert [(m.module_id, m.title, m.order) for m in modules] == [
        (m.id, m.title, m.position) for m in issue.modules]
    assert [m.started_count for m in modules] == [4, 2, 1, 1]  # Dan started module 1
    assert [m.completed_count for m in modules] == [3, 2, 1, 1]
    assert [m.completion_rate for m in modules] == [75.0, 50.0, 25.0, 25.0]
    assert [m.average_hours_to_complete for m in modules] == [3.0, 3.5, 0.5, 12.0]


def test_most_and_least_completed_modules_break_ties_by_order(issue):
    figures = service.course_analytics(issue.instructor, issue.course.id, now=issue.now)
    assert figures.most_completed_module_id == issue.modules[0].id
    assert figures.least_completed_module_id == issue.modules[2].id  # tied with module 4


def test_drop_off_counts_idle_learners_at_the_module_after_their_furthest(issue):
    figures = service.course_analytics(issue.instructor, issue.course.id, now=issue.now)
    # Ben (2/4, idle 20 days) stopped at module 3, Dan (0/4, idle 15 days) at module 1;
    # Cleo is active and Ana finished.
    assert [(d.module_id, d.learners) for d in figures.drop_off] == [
        (issue.modules[0].id, 1), (issue.modules[1].id, 0), (issue.modules[2].id, 1), (issue.modules[3].id, 0)]


def test_drop_off_follows_the_idle_clock(issue):
    later = service.course_analytics(issue.instructor, issue.course.id, now=issue.now + timedelta(days=12))
    # 12 days on, Cleo (1/4) has been idle 15 days too; Ana finished, so she never counts.
    assert [d.learners for d in later.drop_off] == [1, 1, 1, 0]
    assert later.active_learners_7d == 0


def test_drop_off_uses_the_furthest_completed_module_not_the_count(make, issue, db):
    skipper = make.user(email="skip@example.com")
    enrollment = make.enroll(skipper, issue.course)
    progress.mark_module_completed(skipper, enrollment.id, issue.modules[2].id)
    pin_times(enrollment, issue.now, 30, 20)
    db.session.commit()
    figures = service.course_analytics(issue.instructor, issue.course.id, now=issue.now)
    assert [d.learners for d in figures.drop_off] == [1, 0, 1, 1]


def test_a_recent_enrollment_without_activity_has_not_dropped_off(make, issue, db):
    fresh, old = make.user(), make.user()
    pin_times(make.enroll(fresh, issue.course), issue.now, 1, None)
    pin_times(make.enroll(old, issue.course), issue.now, 20, None)
    db.session.commit()
    figures = service.course_analytics(issue.instructor, issue.course.id, now=issue.now)
    assert [d.learners for d in figures.drop_off] == [2, 0, 1, 0]  # Dan and the old one
    assert figures.total_enrollments == 6
    assert figures.average_completion == round(100 * 7 / 24, 2)


def test_an_empty_course_has_zeros_and_nulls(make):
    ada = make.user("instructor")
    figures = service.course_analytics(ada, make.course(ada, modules=0).id)
    assert (figures.total_enrollments, figures.average_completion, figures.completion_rate,
            figures.average_days_to_complete) == (0, 0.0, 0.0, None)
    assert figures.modules == [] and figures.drop_off == []
    assert figures.most_completed_module_id is None and figures.least_completed_module_id is None

    with_modules = service.course_analytics(ada, make.course(ada, modules=2).id)
    assert [(m.completion_rate, m.average_hours_to_complete, m.started_count) for m in with_modules.modules] == [
        (0.0, None, 0), (0.0, None, 0)]
    assert with_modules.most_completed_module_id == with_modules.modules[0].module_id
    assert with_modules.least_completed_module_id == with_modules.modules[0].module_id


def test_reopened_modules_do_not_count_as_completed(make, issue, db):
    progress.set_module_completed(issue.students["ben"], issue.enrollments["ben"].id, issue.modules[1].id, False)
    db.session.commit()
    figures = service.course_analytics(issue.instructor, issue.course.id, now=issue.now)
    assert [m.completed_count for m in figures.modules] == [3, 1, 1, 1]
    assert [m.started_count for m in figures.modules] == [4, 2, 1, 1]
    assert figures.modules[1].average_hours_to_complete == 2.0
    assert figures.average_completion == 37.5


# --- access -------------------------------------------------------------------------------

@pytest.fixture
def outsiders(make, issue):
    draft = make.course(issue.instructor, modules=1, published=False)
    return make.user("instructor"), make.user(), draft


def _everything(actor, course_id):
    return [
        lambda: service.course_analytics(actor, course_id),
        lambda: service.course_students(actor, course_id),
        lambda: service.student_module_grid(actor, course_id),
        lambda: service.students_csv_rows(actor, course_id),
    ]


def test_other_instructors_and_students_are_refused(issue, outsiders):
    other, student, draft = outsiders
    for actor in (other, student, issue.students["ana"]):
        for call in _everything(actor, issue.course.id):
            with pytest.raises(Forbidden):  # a published course: they may know it exists
                call()
        for course_id in (draft.id, 999_999):
            for call in _everything(actor, course_id):
                with pytest.raises(NotFound):
                    call()


def test_the_instructor_and_admins_are_allowed(make, issue, outsiders):
    admin = make.user("admin")
    _other, _student, draft = outsiders
    for actor in (issue.instructor, admin):
        for course_id in (issue.course.id, draft.id):
            for call in _everything(actor, course_id):
                call()


# --- the student list ---------------------------------------------------------------------

SORTED = {
    "percentage": ["dan", "cleo", "ben", "ana"],
    "-percentage": ["ana", "ben", "cleo", "dan"],
    "lastActivityAt": ["ben", "dan", "cleo", "ana"],
    "-lastActivityAt": ["ana", "cleo", "dan", "ben"],
    "email": ["ana", "ben", "cleo", "dan"],
    "-email": ["dan", "cleo", "ben", "ana"],
    "name": ["ana", "ben", "cleo", "dan"],
    "-name": ["dan", "cleo", "ben", "ana"],
}


@pytest.mark.parametrize("sort", SORTED)
def test_every_sort_order(issue, sort):
    page = service.course_students(issue.instructor, issue.course.id, sort=sort)
    assert _emails(page) == [f"{key}@example.com" for key in SORTED[sort]]


def test_the_default_order_is_most_recent_activity_first(issue):
    page = service.course_students(issue.instructor, issue.course.id)
    assert _emails(page) == [f"{key}@example.com" for key in SORTED["-lastActivityAt"]]


def test_student_rows_carry_the_counters(issue):
    rows = {row.email: row for row in service.course_students(issue.instructor, issue.course.id).items}
    ben = rows["ben@example.com"]
    assert (ben.user_id, ben.name, ben.enrollment_id) == (
        issue.students["ben"].id, "Ben Learner", issue.enrollments["ben"].id)
    assert (ben.completed_modules, ben.total_modules, ben.percentage) == (2, 4, 50.0)
    assert ben.last_activity_at == issue.now - timedelta(days=20)


@pytest.mark.parametrize("sort", ["lastActivityAt", "-lastActivityAt"])
def test_learners_without_activity_come_last_either_way(make, issue, db, sort):
    pin_times(make.enroll(make.user(email="idle@example.com"), issue.course), issue.now, 1, None)
    db.session.commit()
    assert _emails(service.course_students(issue.instructor, issue.course.id, sort=sort))[-1] == "idle@example.com"


def test_ties_are_broken_by_enrollment_id(make, issue):
    twins = [make.enroll(make.user(email=f"twin{k}@example.com"), issue.course) for k in range(3)]
    for enrollment in twins:
        make.complete(enrollment, 1)
    for sort in ("percentage", "-percentage"):
        emails = _emails(service.course_students(issue.instructor, issue.course.id, sort=sort))
        ones = [e for e in emails if e.startswith(("cleo", "twin"))]
        assert ones == ["cleo@example.com", "twin0@example.com", "twin1@example.com", "twin2@example.com"]


def _search(issue, q):
    return sorted(_emails(service.course_students(issue.instructor, issue.course.id, q=q)))


def test_search_matches_email_or_name_case_blind(make, issue):
    make.enroll(make.user(email="zed@example.com", name="Cleopatra Z"), issue.course)
    search = functools.partial(_search, issue)
    assert search("CLEO") == ["cleo@example.com", "zed@example.com"]
    assert search("zed@") == ["zed@example.com"]
    assert search("ben learner") == ["ben@example.com"]
    assert search("  ") == search("") == search("example")
    assert len(search("")) == 5


def test_search_text_is_literal_not_a_pattern(make, issue):
    make.enroll(make.user(email="per_cent@example.com", name="100% Sure"), issue.course)
    search = functools.partial(_search, issue)
    assert search("%") == ["per_cent@example.com"]
    assert search("r_c") == ["per_cent@example.com"]
    assert search("n_l") == search("a%n") == search("\\") == []  # as wildcards they would match


def test_students_are_paginated(issue):
    first = service.course_students(issue.instructor, issue.course.id, sort="email", page=1, per_page=3)
    second = service.course_students(issue.instructor, issue.course.id, sort="email", page=2, per_page=3)
    assert (first.total, first.page, first.per_page, first.pages) == (4, 1, 3, 2)
    assert _emails(first) + _emails(second) == [f"{k}@example.com" for k in SORTED["email"]]
    assert service.course_students(issue.instructor, issue.course.id, page=9).items == []


def test_an_unknown_sort_is_invalid(issue):
    with pytest.raises(Invalid):
        service.course_students(issue.instructor, issue.course.id, sort="password")


def test_listing_a_page_takes_a_count_and_a_page_query(issue, count_queries):
    service.course_students(issue.instructor, issue.course.id)  # the course is now loaded
    with count_queries() as statements:
        service.course_students(issue.instructor, issue.course.id, q="learner", sort="name")
    assert len(statements) == 2, statements


def test_without_a_search_the_total_is_the_courses_counter(issue, count_queries):
    """No count of the class: the course keeps its number of enrollments."""
    service.course_students(issue.instructor, issue.course.id)
    with count_queries() as statements:
        page = service.course_students(issue.instructor, issue.course.id, page=1, per_page=2)
    assert not [statement for statement in statements if "count(" in statement.lower()], statements
    assert page.total == 4 and len(page.items) == 2
    searched = service.course_students(issue.instructor, issue.course.id, q="ana")
    assert searched.total == 1


def test_the_default_order_is_read_in_index_order_without_a_sort(make, issue, db):
    """Most recent activity first, the silent last: each database reads the page from its
    own index of that order (PostgreSQL's says NULLS LAST) and never sorts the class."""
    from sqlalchemy import text

    stmt = service._students_query(issue.course, None, service.DEFAULT_STUDENT_SORT).limit(25)
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # what the indexes can do,
                conn.execute(text(f"SET {setting} = off"))                      # not what a tiny table costs
            plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {compiled}")))
            assert "ix_enrollments_course_recent" in plan and "Sort" not in plan, plan
        else:
            plan = "\n".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "ix_enrollments_course_recent_sqlite" in plan and "TEMP B-TREE" not in plan, plan


def test_drop_off_reads_the_unfinished_enrollments_index(issue, db):
    """Idle learners by furthest module come from a range of ix_enrollments_course_unfinished
    (the unfinished, idle since before a bound), on PostgreSQL without visiting the table
    (an index-only scan once the table is vacuumed; SQLite reads the range's rows)."""
    from sqlalchemy import func, text
    from sqlalchemy import select as sql_select

    from elearn.analytics.service import DROP_OFF_AFTER

    idle_since = func.coalesce(Enrollment.last_activity_at, Enrollment.enrolled_at)
    stmt = (sql_select(Enrollment.furthest_position + 1, func.count())
            .where(Enrollment.course_id == issue.course.id, Enrollment.completed_at.is_(None), idle_since < issue.now - DROP_OFF_AFTER)
            .group_by(Enrollment.furthest_position))
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = "\n".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "USING INDEX ix_enrollments_course_unfinished (course_id=? AND <expr><?)" in plan, plan
            return
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE enrollments"))
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            conn.execute(text(f"SET {setting} = off"))
        plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {compiled}")))
    assert "Index Only Scan using ix_enrollments_course_unfinished" in plan, plan


# --- the heatmap --------------------------------------------------------------------------

def test_the_grid_gives_each_students_module_states_in_order(issue):
    grid = service.student_module_grid(issue.instructor, issue.course.id, sort="-percentage")
    assert (grid.course_id, grid.title) == (issue.course.id, "Hand-computed")
    assert [(m.module_id, m.title, m.order) for m in grid.modules] == [
        (m.id, m.title, m.position) for m in issue.modules]
    assert [(row.student.email, row.states) for row in grid.students.items] == [
        ("ana@example.com", [COMPLETED] * 4),
        ("ben@example.com", [COMPLETED, COMPLETED, NOT_STARTED, NOT_STARTED]),
        ("cleo@example.com", [COMPLETED, NOT_STARTED, NOT_STARTED, NOT_STARTED]),
        ("dan@example.com", [STARTED, NOT_STARTED, NOT_STARTED, NOT_STARTED]),
    ]
    assert grid.students.total == 4 and grid.students.per_page == 25


def test_the_grid_pages_and_searches_like_the_list(issue):
    grid = service.student_module_grid(issue.instructor, issue.course.id, sort="email", q="learner",
                                       page=2, per_page=3)
    assert [row.student.email for row in grid.students.items] == ["dan@example.com"]
    assert grid.students.total == 4
    empty = service.student_module_grid(issue.instructor, issue.course.id, q="nobody")
    assert empty.students.items == [] and len(empty.modules) == 4


def test_the_grid_costs_the_same_for_any_page_or_course(make, issue, count_queries):
    def statements(course_id):
        service.student_module_grid(issue.instructor, course_id)
        with count_queries() as sent:
            service.student_module_grid(issue.instructor, course_id)
        return len(sent)

    big = make.course(issue.instructor, modules=12)
    for k in range(6):
        make.complete(make.enroll(make.user(), big), k * 2)
    assert statements(issue.course.id) == statements(big.id) == 3  # page, modules, cells (the total is a counter)


# --- My courses ---------------------------------------------------------------------------

def test_an_instructor_sees_their_courses_with_headline_figures(make, issue):
    empty = make.course(issue.instructor, modules=0, title="Another", published=False)
    make.course(make.user("instructor"), title="Not Ada's")
    overview = service.courses_overview(issue.instructor, now=issue.now)
    assert [(c.course_id, c.title, c.published, c.module_count) for c in overview] == [
        (empty.id, "Another", False, 0), (issue.course.id, "Hand-computed", True, 4)]
    hand = overview[1]
    assert (hand.total_enrollments, hand.average_completion, hand.completion_rate, hand.active_learners_7d) == (
        4, 43.75, 25.0, 2)
    assert (overview[0].total_enrollments, overview[0].average_completion, overview[0].completion_rate) == (
        0, 0.0, 0.0)


def test_an_admin_sees_every_course_and_a_student_none(make, issue):
    other = make.course(make.user("instructor"), title="Zebra")
    assert [c.course_id for c in service.courses_overview(make.user("admin"))] == [issue.course.id, other.id]
    with pytest.raises(Forbidden):
        service.courses_overview(issue.students["ana"])


def test_the_overview_is_one_query_for_any_number_of_courses(make, issue, count_queries):
    issue.instructor.id  # noqa: B018  (loaded before counting)
    with count_queries() as few:
        service.courses_overview(issue.instructor)
    for k in range(4):
        course = make.course(issue.instructor, modules=k + 1)
        make.complete(make.enroll(make.user(), course), k)
    issue.instructor.id  # noqa: B018
    with count_queries() as many:
        service.courses_overview(issue.instructor)
    assert len(few) == len(many) == 1


# --- the figures' statement count -----------------------------------------------------------

def test_course_figures_take_three_queries_whatever_the_size(app, make, issue, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "CACHE_ENABLED", False)  # count the computation, not a cache hit

    def statements(course_id):
        service.course_analytics(issue.instructor, course_id)
        with count_queries() as sent:
            service.course_analytics(issue.instructor, course_id)
        return len(sent)

    big = make.course(issue.instructor, modules=15)
    for k in range(8):
        make.complete(make.enroll(make.user(), big), k)
    # the course's own columns, the class's figures (drop-off included), the modules' figures
    assert statements(issue.course.id) == statements(big.id) == 3


# --- CSV ----------------------------------------------------------------------------------

def test_csv_has_a_header_then_the_list_in_order(issue):
    lines = list(service.students_csv_rows(issue.instructor, issue.course.id, sort="-percentage"))
    assert lines[0] == ("userId,email,name,enrollmentId,completedModules,totalModules,percentage,"
                        "lastActivityAt\r\n")
    ana = issue.enrollments["ana"]
    assert lines[1] == (f"{issue.students['ana'].id},ana@example.com,Ana Learner,{ana.id},4,4,100.0,"
                        f"{(issue.now - timedelta(days=2)).isoformat()}\r\n")
    assert [line.split(",")[1] for line in lines[1:]] == [f"{k}@example.com" for k in SORTED["-percentage"]]


def test_csv_filters_like_the_list(issue):
    lines = list(service.students_csv_rows(issue.instructor, issue.course.id, q="cleo"))
    assert len(lines) == 2 and lines[1].split(",")[1] == "cleo@example.com"


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"])
def test_csv_neutralises_formulas(make, issue, name):
    evil = make.user(email="evil@example.com")
    evil.name = name  # directly: accounts strip the whitespace these start with
    make.enroll(evil, issue.course)
    lines = list(service.students_csv_rows(issue.instructor, issue.course.id, q="evil@"))
    row = next(csv.reader(io.StringIO(lines[1], newline="")))
    assert row[2] == "'" + name


def test_spreadsheet_safe_leaves_ordinary_cells_alone():
    assert [spreadsheet_safe(v) for v in ("Ana", 12, 43.75, None, "a=b", " =x")] == [
        "Ana", "12", "43.75", "", "a=b", " =x"]


def test_csv_reads_rows_only_as_it_is_consumed(issue, count_queries):
    service.course_students(issue.instructor, issue.course.id)  # the course is now loaded
    with count_queries() as statements:
        lines = service.students_csv_rows(issue.instructor, issue.course.id)
        assert inspect.isgenerator(lines) and statements == []
        next(lines)  # the header needs no query
        assert statements == []
        assert len(list(lines)) == 4
    assert len(statements) == 1


def test_csv_streams_a_large_course_with_one_query(db, make, issue, count_queries):
    """Thousands of learners come out in batches of one query's cursor (bulk-inserted here)."""
    total = 2 * service.CSV_BATCH_SIZE + 500
    db.session.execute(insert(User), [
        {"email": f"bulk{k:05d}@example.com", "name": f"Bulk {k}", "password_hash": "x", "role": "student"}
        for k in range(total)])
    ids = db.session.scalars(select(User.id).where(User.email.like("bulk%"))).all()
    db.session.execute(insert(Enrollment), [
        {"user_id": user_id, "course_id": issue.course.id, "completed_count": user_id % 5 % 4} for user_id in ids])
    db.session.commit()
    db.session.get(Course, issue.course.id), issue.instructor.id  # loaded before counting
    with count_queries() as statements:
        lines = service.students_csv_rows(issue.instructor, issue.course.id, sort="email")
        emails = [line.split(",")[1] for line in lines][1:]
    assert len(emails) == total + 4
    assert emails == sorted(emails)
    assert len(statements) == 1
