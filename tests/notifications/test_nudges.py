"""Reminders, digests and badge notes: who gets one, what it says, and never twice."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from elearn.analytics import at_risk
from elearn.auth.models import User
from elearn.catalog.models import Course
from elearn.enrollments.models import Enrollment
from elearn.extensions import db
from elearn.messages import service as messages
from elearn.notifications import nudges, preferences
from elearn.progress.models import ProgressEvent

#: A Monday, 09:30 UTC.
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _idle(enrollment, since):
    db.session.execute(update(Enrollment).where(Enrollment.id == enrollment.id)
                       .values(enrolled_at=since - timedelta(days=30), last_activity_at=since))


def _not_badges(mailing):
    """The emails but those of badges (completing modules in the setup earns some)."""
    return [m for m in mailing.messages if not m["Subject"].startswith("You earned a badge")]


def test_a_learner_idle_for_the_course_s_days_gets_one_reminder_naming_the_next_module(app, make, mailing, settle):
    ada = make.user("instructor", email="ada@example.com")
    course = make.course(ada, modules=3, title="Algebra")
    idle, busy, quiet, done = (make.user(email=f"{n}@example.com", name=n) for n in ("idle", "busy", "quiet", "done"))
    idle_e = make.complete(make.enroll(idle, course), 1)
    busy_e = make.complete(make.enroll(busy, course), 1)
    quiet_e = make.enroll(quiet, course)
    done_e = make.complete(make.enroll(done, course), 3)
    preferences.update_preferences(quiet, inactivity=False)
    now = datetime.now(UTC)
    for enrollment in (idle_e, quiet_e, done_e):
        _idle(enrollment, now - timedelta(days=20))
    _idle(busy_e, now - timedelta(days=2))
    db.session.commit()

    assert nudges.remind_inactive(now) == 1
    db.session.commit()
    settle()
    [email] = _not_badges(mailing)
    assert email["To"] == "idle@example.com"
    assert email["Subject"] == "Pick up Algebra where you left off"
    text = email.get_content()
    assert "You have not worked on Algebra for 20 days." in text
    second = make.modules(course)[1]
    assert f"Next up: module 2, {second.title}." in text
    assert f"/courses/{course.id}" in text
    [note] = [n for n in messages.inbox(idle).page.items if n.subject.startswith("Pick up")]
    assert note.subject == "Pick up Algebra where you left off" and note.notice and note.sender_id is None

    assert nudges.remind_inactive(now + timedelta(hours=1)) == 0  # one reminder per idle spell
    # Back at it, then idle again: a new spell, a new reminder (and busy's first, now idle too).
    _idle(idle_e, now + timedelta(days=1))
    db.session.commit()
    assert nudges.remind_inactive(now + timedelta(days=16)) == 2
    db.session.commit()
    settle()
    assert sorted(m["To"] for m in _not_badges(mailing)) == ["busy@example.com", "idle@example.com",
                                                             "idle@example.com"]


def test_a_streak_about_to_break_is_reminded_that_evening_in_the_learner_s_zone(app, make, mailing, settle):
    ada = make.user("instructor")
    course = make.course(ada, modules=5, title="Poetry")
    tokyo = make.user(email="tokyo@example.com")
    lima = make.user(email="lima@example.com")
    db.session.execute(update(User).where(User.id == tokyo.id).values(timezone="Asia/Tokyo"))
    db.session.execute(update(User).where(User.id == lima.id).values(timezone="America/Lima"))
    # 10:00 UTC is 19:00 in Tokyo (evening) and 05:00 in Lima.
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    for user in (tokyo, lima):
        enrollment = make.complete(make.enroll(user, course), 2)
        events = db.session.scalars(select(ProgressEvent).where(ProgressEvent.enrollment_id == enrollment.id,
                                                                ProgressEvent.kind == "completed")).all()
        for event, days_ago in zip(events, (2, 1), strict=True):
            event.occurred_at = now - timedelta(days=days_ago)
    db.session.commit()

    assert nudges.remind_streaks(now) == 1
    db.session.commit()
    settle()
    [email] = _not_badges(mailing)
    assert email["To"] == "tokyo@example.com"
    assert email["Subject"] == "Your 2-day streak ends at midnight"
    assert "Next up: module 3" in email.get_content()
    assert nudges.remind_streaks(now + timedelta(minutes=15)) == 0  # once that evening


def test_instructors_get_a_weekly_digest_once_from_monday_morning(app, make, mailing, settle):
    ada = make.user("instructor", email="ada@example.com", name="Ada")
    course = make.course(ada, modules=2, title="Algebra")
    new = make.user(email="new@example.com", name="Newcomer")
    gone = make.user(email="gone@example.com", name="Gone Quiet")
    finisher = make.user(email="fin@example.com", name="Finisher")
    make.enroll(new, course)
    gone_e = make.complete(make.enroll(gone, course), 1)
    fin_e = make.complete(make.enroll(finisher, course), 2)
    db.session.execute(update(Enrollment).where(Enrollment.id == gone_e.id).values(
        enrolled_at=MONDAY - timedelta(days=60), last_activity_at=MONDAY - timedelta(days=17)))
    db.session.execute(update(Enrollment).where(Enrollment.id == fin_e.id).values(
        enrolled_at=MONDAY - timedelta(days=30), completed_at=MONDAY - timedelta(days=2),
        last_activity_at=MONDAY - timedelta(days=2)))
    db.session.execute(update(Enrollment).where(Enrollment.user_id == new.id).values(
        enrolled_at=MONDAY - timedelta(days=1)))
    db.session.commit()

    assert nudges.send_digests(MONDAY - timedelta(hours=2)) == 0  # 07:30 in UTC: too early
    assert nudges.send_digests(MONDAY) == 1
    db.session.commit()
    settle()
    [email] = _not_badges(mailing)
    assert email["To"] == "ada@example.com" and email["Subject"] == "Algebra: your week"
    text = email.get_content()
    assert "2 new enrollments" not in text and "1 new enrollment" in text
    assert "1 learner completed the course" in text
    assert "1 learner at risk" in text and "Gone Quiet (gone@example.com): No activity for 17 days" in text
    second = make.modules(course)[1]
    assert f"before {second.title}: 1 (0)" in text
    assert nudges.send_digests(MONDAY + timedelta(hours=3)) == 0  # once a week
    preferences.update_preferences(ada, digests=False)
    db.session.commit()
    assert nudges.send_digests(MONDAY + timedelta(days=7)) == 0


def test_a_demoted_instructor_gets_no_digest_of_the_courses_they_taught(make, mailing):
    """The digest names learners at risk: only for whoever may read the course's analytics."""
    ada = make.user("instructor", email="ada@example.com")
    make.enroll(make.user(), make.course(ada, modules=2))
    ada.role = "student"
    db.session.commit()
    assert nudges.send_digests(MONDAY) == 0
    ada.role = "admin"  # (an admin reads every course's analytics)
    db.session.commit()
    assert nudges.send_digests(MONDAY) == 1


def test_a_badge_earned_arrives_in_the_inbox_and_by_email_in_the_learner_s_language(app, make, mailing, settle,
                                                                                       api):
    ada = make.user("instructor")
    course = make.course(ada, modules=2, title="Algebra")
    sam = make.user(email="sam@example.com")
    enrollment = make.enroll(sam, course)
    preferences.update_preferences(sam, language="es")
    db.session.commit()
    token = api.token("sam@example.com")
    first = make.modules(course)[0]
    assert api.call("POST", f"/api/progress/mark-completed/{enrollment.id}/{first.id}", token).status_code == 200
    settle()
    subjects = [m["Subject"] for m in mailing.messages]
    assert subjects == ["Has ganado una insignia: Primer paso"]
    notes = messages.inbox(sam).page.items
    assert [n.subject for n in notes] == subjects and notes[0].notice
    assert "Dejar de recibir estos correos" in mailing.messages[0].get_content()


def test_turning_badges_off_stops_both_the_note_and_the_email(app, make, mailing, settle, api):
    ada = make.user("instructor")
    course = make.course(ada, modules=2)
    sam = make.user(email="sam@example.com")
    enrollment = make.enroll(sam, course)
    preferences.update_preferences(sam, achievements=False)
    db.session.commit()
    done = api.call("POST", f"/api/progress/mark-completed/{enrollment.id}/{make.modules(course)[0].id}",
                    api.token("sam@example.com"))
    assert done.status_code == 200
    settle()
    assert mailing.messages == [] and messages.inbox(sam).page.total == 0


def test_the_background_count_of_learners_at_risk_feeds_the_admin_table(app, make, api):
    ada = make.user("instructor")
    course = make.course(ada, modules=3, title="Algebra")
    empty = make.course(ada, modules=1, title="Empty")
    make.user("admin", email="root@example.com")
    for k in range(3):
        enrollment = make.enroll(make.user(email=f"l{k}@example.com"), course)
        if k < 2:
            _idle(enrollment, datetime.now(UTC) - timedelta(days=30))
    db.session.commit()
    token = api.token("root@example.com")
    rows = {c["title"]: c["atRisk"] for c in api.call("GET", "/api/analytics/platform", token).get_json()["topCoursesByEnrollments"]}
    assert rows == {"Algebra": None}  # not counted yet

    assert at_risk.count_every_course() == 1
    db.session.commit()
    assert db.session.get(Course, course.id).at_risk_count == 2
    assert db.session.get(Course, empty.id).at_risk_count is None
    rows = {c["title"]: c["atRisk"] for c in api.call("GET", "/api/analytics/platform", token).get_json()["topCoursesByEnrollments"]}
    assert rows == {"Algebra": 2}
