"""Streaks in the learner's own time zone, and which badges a completion awards."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from elearn.achievements.models import Achievement
from elearn.achievements.service import BADGES, award_for_completions, current_streak, describe, list_achievements
from elearn.extensions import db
from elearn.progress import writes as progress

from .conftest import earned

LA = ZoneInfo("America/Los_Angeles")


def la(*args) -> datetime:
    return datetime(*args, tzinfo=LA)


@pytest.fixture
def enrollment(make):
    return make.enroll(make.user(timezone="America/Los_Angeles"), make.course(modules=3))


# --- streaks --------------------------------------------------------------------------

def test_late_evening_and_past_midnight_are_two_local_days_but_one_utc_day(enrollment, log_completions):
    # 23:30 and 00:30 Pacific are 07:30 and 08:30 UTC on the same UTC day.
    log_completions(enrollment, la(2026, 1, 10, 23, 30), la(2026, 1, 11, 0, 30))
    now = la(2026, 1, 11, 12, 0)
    assert current_streak(enrollment.user_id, "America/Los_Angeles", now) == 2
    assert current_streak(enrollment.user_id, "UTC", now) == 1


def test_one_local_evening_spanning_utc_midnight_is_one_day(enrollment, log_completions):
    # 15:30 and 16:30 Pacific (winter) are 23:30 and 00:30 UTC: two UTC days, one local day.
    log_completions(enrollment, la(2026, 1, 10, 15, 30), la(2026, 1, 10, 16, 30))
    now = la(2026, 1, 10, 18, 0)
    assert current_streak(enrollment.user_id, "America/Los_Angeles", now) == 1
    assert current_streak(enrollment.user_id, "UTC", now) == 2


def test_local_days_stay_whole_across_a_daylight_saving_change(enrollment, log_completions):
    # Clocks went forward on 2026-03-08 in Los Angeles: that day has 23 hours.
    log_completions(enrollment, la(2026, 3, 7, 23, 30), la(2026, 3, 8, 23, 30), la(2026, 3, 9, 0, 30))
    assert current_streak(enrollment.user_id, "America/Los_Angeles", la(2026, 3, 9, 9, 0)) == 3


def test_a_day_without_a_completion_breaks_the_streak(enrollment, log_completions):
    log_completions(enrollment, *(la(2026, 5, day, 10, 0) for day in (1, 2, 4, 5)))
    assert current_streak(enrollment.user_id, "America/Los_Angeles", la(2026, 5, 5, 20, 0)) == 2
    assert current_streak(enrollment.user_id, "America/Los_Angeles", la(2026, 5, 2, 20, 0)) == 2


def test_a_streak_is_alive_until_the_end_of_the_day_after_its_last_active_day(enrollment, log_completions):
    log_completions(enrollment, *(la(2026, 5, day, 10, 0) for day in (11, 12, 13)))
    user_id = enrollment.user_id
    assert current_streak(user_id, "America/Los_Angeles", la(2026, 5, 13, 23, 0)) == 3
    assert current_streak(user_id, "America/Los_Angeles", la(2026, 5, 14, 0, 0)) == 3, "not yet extended today"
    assert current_streak(user_id, "America/Los_Angeles", la(2026, 5, 14, 23, 59, 59)) == 3
    assert current_streak(user_id, "America/Los_Angeles", la(2026, 5, 15, 0, 0)) == 0, "a whole day missed"


def test_only_completions_count_toward_a_streak(enrollment, log_completions):
    log_completions(enrollment, la(2026, 5, 1, 10, 0), la(2026, 5, 2, 10, 0), kind="started")
    log_completions(enrollment, la(2026, 5, 3, 10, 0), kind="reopened")
    log_completions(enrollment, la(2026, 5, 4, 10, 0))
    assert current_streak(enrollment.user_id, "America/Los_Angeles", la(2026, 5, 4, 12, 0)) == 1


def test_another_learners_days_do_not_count(make, enrollment, log_completions):
    other = make.enroll(make.user(timezone="America/Los_Angeles"), make.course(modules=1))
    log_completions(other, la(2026, 5, 1, 10, 0), la(2026, 5, 2, 10, 0))
    log_completions(enrollment, la(2026, 5, 3, 10, 0))
    assert current_streak(enrollment.user_id, "America/Los_Angeles", la(2026, 5, 3, 12, 0)) == 1
    assert current_streak(other.user_id, "America/Los_Angeles", la(2026, 5, 3, 12, 0)) == 2


@pytest.mark.parametrize("days", [30, 31, 32, 70])
def test_streaks_longer_than_the_31_days_read_at_once_still_count_every_day(enrollment, log_completions, days):
    last = la(2026, 6, 30, 10, 0)
    log_completions(enrollment, *(last - timedelta(days=k) for k in range(days)))
    log_completions(enrollment, last - timedelta(days=days + 1))  # before the gap: not part of it
    assert current_streak(enrollment.user_id, "America/Los_Angeles", last) == days
    assert current_streak(enrollment.user_id, "America/Los_Angeles", last + timedelta(days=1)) == days


def test_no_completions_is_no_streak(enrollment):
    assert current_streak(enrollment.user_id, "America/Los_Angeles", la(2026, 5, 1, 12, 0)) == 0


# --- awards ---------------------------------------------------------------------------

def _keys(achievements) -> list[str]:
    return [a.key for a in achievements]


def award_after_completion(user_id, course_id, course_completed, now):
    """Award as a write completing a module at ``now`` would, its earlier completions read
    from the log the way the write's statement reads them."""
    from elearn.auth.models import User
    from elearn.progress.models import ProgressEvent
    from elearn.progress.signals import RECENT_DAYS, Completion

    recent = tuple(db.session.scalars(select(ProgressEvent.occurred_at).where(
        ProgressEvent.user_id == user_id, ProgressEvent.kind == "completed",
        ProgressEvent.occurred_at >= now - timedelta(days=RECENT_DAYS), ProgressEvent.occurred_at < now)))
    timezone = db.session.get(User, user_id).timezone
    return award_for_completions([Completion(user_id, course_id, course_completed, now, "Course", timezone,
                                             False, recent)])


def test_streak_badges_are_awarded_when_reached_and_only_once(db, enrollment, log_completions):
    today = la(2026, 7, 31, 9, 0)
    log_completions(enrollment, *(today - timedelta(days=k) for k in range(6)))
    user_id, course_id = enrollment.user_id, enrollment.course_id
    assert _keys(award_after_completion(user_id, course_id, False, today)) == ["first-module", "streak-3"]
    log_completions(enrollment, today - timedelta(days=6))
    assert _keys(award_after_completion(user_id, course_id, False, today)) == ["streak-7"]
    log_completions(enrollment, *(today - timedelta(days=k) for k in range(7, 30)))
    assert _keys(award_after_completion(user_id, course_id, False, today)) == ["streak-30"]
    assert award_after_completion(user_id, course_id, False, today) == []
    db.session.commit()
    assert db.session.scalar(select(func.count(Achievement.id))) == 4


def test_streak_badges_follow_the_learners_time_zone(make, db, log_completions):
    # 23:30 Pacific on two evenings, then 00:30: three local days, but only two UTC days.
    instants = [la(2026, 2, 1, 23, 30), la(2026, 2, 2, 23, 30), la(2026, 2, 3, 0, 30)]
    now = instants[-1]
    pacific = make.enroll(make.user(timezone="America/Los_Angeles"), make.course(modules=1))
    utc = make.enroll(make.user(timezone="UTC"), make.course(modules=1))
    log_completions(pacific, *instants)
    log_completions(utc, *instants)
    assert "streak-3" in _keys(award_after_completion(pacific.user_id, pacific.course_id, False, now))
    assert "streak-3" not in _keys(award_after_completion(utc.user_id, utc.course_id, False, now))


def test_a_streak_broken_by_a_missed_day_awards_nothing(enrollment, log_completions):
    today = la(2026, 7, 31, 9, 0)
    log_completions(enrollment, *(today - timedelta(days=k) for k in (2, 3, 4)))
    assert _keys(award_after_completion(enrollment.user_id, enrollment.course_id, False, today)) == ["first-module"]


def test_completing_a_course_awards_its_badge_and_the_first_course_badge_once(make, db, received):
    student = make.user()
    first, second = make.course(modules=1, title="Algebra"), make.course(modules=1, title="Geometry")
    for course in (first, second):
        enrollment = make.enroll(student, course)
        progress.mark_module_completed(student, enrollment.id, make.modules(course)[0].id)
    db.session.commit()
    assert [(b.key, b.title, b.course_title) for b in list_achievements(student.id)] == [
        ("first-module", "First step", None),
        (f"course-completed:{first.id}", "Completed: Algebra", "Algebra"),
        ("first-course", "Course finisher", None),
        (f"course-completed:{second.id}", "Completed: Geometry", "Geometry"),
    ]
    assert [m["key"] for m in earned(received)] == [
        "first-module", f"course-completed:{first.id}", "first-course", f"course-completed:{second.id}"]
    assert award_after_completion(student.id, first.id, True, datetime.now(UTC)) == []


def test_awards_are_announced_after_the_commit_and_never_for_rolled_back_work(make, db, received):
    student = make.user()
    course = make.course(modules=1, title="Algebra")
    enrollment = make.enroll(student, course)
    module = make.modules(course)[0]

    progress.mark_module_completed(student, enrollment.id, module.id)
    assert earned(received) == []
    db.session.rollback()
    assert earned(received) == []
    assert db.session.scalar(select(func.count(Achievement.id))) == 0

    progress.mark_module_completed(student, enrollment.id, module.id)
    assert earned(received) == []
    db.session.commit()
    stored = {a.key: a for a in db.session.scalars(select(Achievement))}
    assert earned(received) == [
        {"type": "achievement.earned", "userId": student.id, "key": key, "title": title,
         "courseId": course_id, "courseTitle": "Algebra" if course_id else None,
         "earnedAt": stored[key].earned_at.isoformat()}
        for key, title, course_id in (("first-module", "First step", None),
                                      (f"course-completed:{course.id}", "Completed: Algebra", course.id),
                                      ("first-course", "Course finisher", None))
    ]
    assert all(m["earnedAt"].endswith("+00:00") for m in earned(received))


def test_a_bulk_write_awards_each_badge_once(make, db, received):
    student = make.user()
    course = make.course(modules=5)
    enrollment = make.enroll(student, course)
    items = [progress.BulkItem(enrollment.id, m.id, True) for m in make.modules(course)]
    progress.bulk_set_completed(student, items)
    db.session.commit()
    assert sorted(m["key"] for m in earned(received)) == sorted(
        ["first-module", f"course-completed:{course.id}", "first-course"])


def test_every_badge_reads_well():
    for key in BADGES:
        badge = describe(key, "Algebra")
        assert badge.title and badge.description and badge.icon and "{" not in badge.title + badge.description
    assert describe("course-completed:7", "Algebra").title == "Completed: Algebra"
    assert describe("streak-7").title == "7-day streak"


def test_listing_badges_is_one_query_however_many(make, db, count_queries):
    student = make.user()
    for _ in range(4):
        course = make.course(modules=1)
        make.complete(make.enroll(student, course), 1)
    user_id = student.id
    with count_queries() as statements:
        badges = list_achievements(user_id)
    assert len(badges) == 6 and len(statements) == 1


def test_a_days_first_completion_awards_in_one_statement_the_same_for_one_badge_or_three(make, db, count_queries):
    """The award is built once: one badge (a first module) and three (a one-module course
    completed) send the same statement, prepared by name on PostgreSQL."""
    sent = {}
    for name, modules in (("one badge", 2), ("three badges", 1)):
        student = make.user()
        course = make.course(modules=modules)
        enrollment = make.enroll(student, course)
        module_id = make.modules(course)[0].id
        with count_queries() as statements:
            progress.mark_module_completed(student, enrollment.id, module_id)
        db.session.commit()
        sent[name] = [s for s in statements if "achievements" in s or "elearn_award" in s]
        assert len(sent[name]) == 1, sent[name]
        assert len(list_achievements(student.id)) == (1 if modules == 2 else 3)
    assert sent["one badge"] == sent["three badges"]
    if db.engine.dialect.name == "postgresql":
        assert sent["one badge"][0].startswith("EXECUTE elearn_award")
