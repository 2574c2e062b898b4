"""``flask generate``: a deterministic synthetic platform."""
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from elearn.achievements.models import Achievement
from elearn.auth.models import User
from elearn.catalog.models import Content, Course, Module
from elearn.catalog.service import recount_module_counts
from elearn.enrollments.models import Enrollment
from elearn.enrollments.service import recount_enrollment_counts
from elearn.errors import Conflict
from elearn.progress.counters import recount_enrollments
from elearn.progress.models import Progress, ProgressEvent, XapiOutbox
from elearn.storage import storage
from elearn.synthetic.generate import GENERATED_ADMIN, generate_platform
from tests.conftest import _empty_all_tables, table_counts

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PASSWORD = "generated-pw-1"
GENERATED_TABLES = ("categories", "difficulties", "users", "courses", "modules", "contents",
                    "enrollments", "progress", "progress_events")


def generate(db, students=300, courses=8, seed=3, **options):
    platform = generate_platform(students, courses, seed=seed, password=PASSWORD, now=NOW, **options)
    db.session.commit()
    return platform


def snapshot(db) -> dict[str, list[tuple]]:
    """Every generated row, in id order (but the salted password hash)."""
    rows = {}
    for table in GENERATED_TABLES:
        columns = "id, email, name, role, active, timezone, created_at" if table == "users" else "*"
        rows[table] = [tuple(r) for r in db.session.execute(text(f"SELECT {columns} FROM {table} ORDER BY id"))]
    return rows


def start_over(app, db):
    db.session.remove()
    _empty_all_tables(app)


def biggest_course_id(db) -> int:
    return db.session.execute(
        select(Enrollment.course_id).group_by(Enrollment.course_id)
        .order_by(func.count().desc(), Enrollment.course_id).limit(1)).scalar_one()


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows(app, db):
    generate(db, seed=11)
    first = snapshot(db)
    assert len(first["progress"]) > 500

    start_over(app, db)
    generate(db, seed=11)
    assert snapshot(db) == first

    start_over(app, db)
    generate(db, seed=12)
    other = snapshot(db)
    assert other["users"] != first["users"]
    assert other["progress"] != first["progress"]


def test_summary_counts_what_was_written(app, db):
    platform = generate(db, students=250, courses=12)
    counts = table_counts(db)
    assert (platform.users, platform.students, platform.instructors) == (counts["users"], 250, 1)
    assert (platform.courses, platform.modules) == (12, counts["modules"]) and counts["courses"] == 12
    assert (platform.enrollments, platform.progress, platform.events, platform.badges) == (
        counts["enrollments"], counts["progress"], counts["progress_events"], counts["achievements"])


def test_generated_accounts_sign_in_with_the_one_given_password(app, db, api):
    generate(db, students=20, courses=3, instructors=2)
    emails = set(db.session.scalars(select(User.email)))
    assert {f"student{k}@example.com" for k in range(1, 21)} <= emails
    assert {"instructor1@example.com", "instructor2@example.com", GENERATED_ADMIN} <= emails
    assert len(emails) == 23
    assert db.session.scalar(select(func.count(func.distinct(User.password_hash)))) == 1
    assert api.token("student7@example.com", PASSWORD)
    assert api.token(GENERATED_ADMIN, PASSWORD)
    response = api.client.post("/api/auth/login", json={"email": "student7@example.com", "password": "wrong-pw-123"})
    assert response.status_code == 401


def test_some_users_live_in_other_time_zones(app, db):
    generate(db, students=200, courses=2)
    zones = dict(db.session.execute(select(User.timezone, func.count()).group_by(User.timezone)).all())
    assert zones["UTC"] > sum(zones.values()) / 2 and len(zones) > 3


def test_courses_have_5_to_40_modules_and_varied_popularity(app, db):
    generate(db, students=600, courses=20)
    module_counts = db.session.scalars(select(Course.module_count)).all()
    assert len(module_counts) == 20 and all(5 <= n <= 40 for n in module_counts)
    sizes = db.session.scalars(
        select(func.count(Enrollment.id)).select_from(Course).outerjoin(Enrollment)
        .where(Course.published.is_(True)).group_by(Course.id)).all()
    assert max(sizes) >= 8 * max(min(sizes), 1)
    drafts = db.session.scalars(select(Course.id).where(Course.published.is_(False))).all()
    assert len(drafts) == 1
    assert not db.session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.course_id.in_(drafts)))
    paid = db.session.execute(
        select(Enrollment.price_paid_cents, Course.price_cents).join(Course, Course.id == Enrollment.course_id)).all()
    assert paid and all(p == c for p, c in paid)


def test_every_generated_content_plays_here(app, db, client):
    """Each module: the demo's clip, stored once, and a lesson; no address elsewhere."""
    generate(db, students=50, courses=3)
    modules = db.session.scalar(select(func.count()).select_from(Module))
    rows = db.session.execute(select(Content.type, Content.url, Content.storage_key, Content.body)).all()
    assert sorted(Counter(r.type for r in rows).items()) == [("text", modules), ("video", modules)]
    assert {r.url for r in rows} == {None}
    keys = {r.storage_key for r in rows if r.type == "video"}
    assert len(keys) == 1 and all(r.body for r in rows if r.type == "text")
    with client.get(storage().url(keys.pop()), headers={"Range": "bytes=0-9"}) as answer:
        assert answer.status_code == 206 and answer.mimetype == "video/mp4"


def test_completions_thin_out_module_by_module(app, db):
    generate(db)
    course_id = biggest_course_id(db)
    completed_per_module = db.session.execute(
        select(Module.position, func.count(Progress.id))
        .outerjoin(Progress, (Progress.module_id == Module.id) & Progress.completed.is_(True))
        .where(Module.course_id == course_id).group_by(Module.position).order_by(Module.position)).all()
    counts = [n for _position, n in completed_per_module]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > counts[-1]
    enrollments = db.session.scalars(select(Enrollment)).all()
    assert any(e.completed_at is not None for e in enrollments)  # some finish
    assert any(e.completed_count == 0 for e in enrollments)
    assert db.session.scalar(select(func.count()).where(Progress.completed.is_(False)))  # started, not done


def test_every_record_is_a_module_of_its_enrollments_course(app, db):
    generate(db)
    misplaced = db.session.scalar(
        select(func.count(Progress.id))
        .join(Enrollment, Enrollment.id == Progress.enrollment_id)
        .join(Module, Module.id == Progress.module_id)
        .where(Module.course_id != Enrollment.course_id))
    assert misplaced == 0


def test_counters_equal_a_full_recount(app, db):
    generate(db)

    def counters():
        return (
            db.session.execute(select(Course.id, Course.module_count, Course.enrollment_count)
                               .order_by(Course.id)).all(),
            db.session.execute(select(Enrollment.id, Enrollment.completed_count, Enrollment.completed_at,
                                      Enrollment.last_activity_at).order_by(Enrollment.id)).all(),
        )

    written = counters()
    assert any(row.completed_at for row in written[1]) and any(row.last_activity_at for row in written[1])
    recount_module_counts()
    recount_enrollment_counts()
    recount_enrollments()
    db.session.commit()
    assert counters() == written


def test_learners_hold_the_badges_their_history_earned(app, db, api, monkeypatch):
    """A generated learner's next completion must not award "first step" again: the badges
    of their completions are there, dated when they were earned, and nothing is announced
    or forwarded to a learning record store (synthetic data is no one's record)."""
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", "http://lrs.invalid/xapi")
    generate(db)
    assert db.session.scalar(select(func.count()).select_from(XapiOutbox)) == 0
    badges = {(a.user_id, a.key): a.earned_at for a in db.session.scalars(select(Achievement))}
    first_completion = dict(db.session.execute(
        select(Enrollment.user_id, func.min(Progress.completed_at)).join(Progress, Progress.enrollment_id == Enrollment.id)
        .where(Progress.completed.is_(True)).group_by(Enrollment.user_id)).all())
    assert len(first_completion) > 100
    assert {user: badges.get((user, "first-module")) for user in first_completion} == first_completion
    finished = db.session.execute(
        select(Enrollment.user_id, Enrollment.course_id, Enrollment.completed_at)
        .where(Enrollment.completed_at.is_not(None))).all()
    assert finished and all(badges[(row.user_id, f"course-completed:{row.course_id}")] == row.completed_at
                            for row in finished)
    assert {user for user, key in badges if key == "first-course"} == {row.user_id for row in finished}
    assert not [key for _user, key in badges if key.startswith("streak-")]

    learner = db.session.get(User, next(iter(first_completion)))
    token = api.token(learner.email, PASSWORD)
    mine = api.get("/api/achievements", token=token).json
    assert "first-module" in {badge["key"] for badge in mine["items"]}


def test_every_record_has_its_started_and_completed_events(app, db):
    generate(db)
    records = db.session.execute(select(Progress.enrollment_id, Progress.module_id, Progress.started_at,
                                        Progress.completed_at)).all()
    events = {(e.enrollment_id, e.module_id, e.kind): e.occurred_at
              for e in db.session.scalars(select(ProgressEvent))}
    assert len(events) == db.session.scalar(select(func.count(ProgressEvent.id)))
    for enrollment_id, module_id, started_at, completed_at in records:
        assert events[(enrollment_id, module_id, "started")] == started_at
        if completed_at is not None:
            assert events[(enrollment_id, module_id, "completed")] == completed_at
    completed = sum(1 for r in records if r.completed_at is not None)
    assert len(events) == len(records) + completed
    users = dict(db.session.execute(select(Enrollment.id, Enrollment.user_id)).all())
    assert all(users[e.enrollment_id] == e.user_id for e in db.session.scalars(select(ProgressEvent)))


def test_activity_is_spread_over_the_last_six_months_in_order(app, db):
    generate(db)
    enrollments = {e.id: e for e in db.session.scalars(select(Enrollment))}
    enrolled = [e.enrolled_at for e in enrollments.values()]
    assert NOW - timedelta(days=183) <= min(enrolled) < NOW - timedelta(days=120)
    assert NOW - timedelta(days=30) < max(enrolled) <= NOW
    for record in db.session.scalars(select(Progress)):
        enrollment = enrollments[record.enrollment_id]
        assert enrollment.enrolled_at <= record.started_at <= record.updated_at <= NOW
        if record.completed:
            assert record.started_at <= record.completed_at == record.updated_at
    students = {u.id: u.created_at for u in db.session.scalars(select(User))}
    assert all(students[e.user_id] <= e.enrolled_at for e in enrollments.values())


def test_ordinary_inserts_after_generating_get_fresh_ids(app, db, make):
    generate(db, students=40, courses=3)
    before = {table: db.session.execute(text(f"SELECT max(id) FROM {table}")).scalar()
              for table in ("users", "courses", "modules", "enrollments", "progress", "progress_events")}
    student = make.user(email="newcomer@example.com")
    instructor = db.session.scalar(select(User).where(User.email == "instructor1@example.com"))
    course = make.course(instructor=instructor, modules=2)
    enrollment = make.complete(make.enroll(student, course), 2)
    assert enrollment.completed_count == 2
    after = {table: db.session.execute(text(f"SELECT max(id) FROM {table}")).scalar() for table in before}
    assert all(after[table] > before[table] for table in before)


def test_a_database_with_generated_data_is_refused_and_left_alone(app, db):
    generate(db, students=30, courses=2)
    counts = table_counts(db)
    with pytest.raises(Conflict, match="already has generated data"):
        generate(db, students=30, courses=2, seed=4)
    db.session.rollback()
    assert table_counts(db) == counts


def test_students_are_numbered_after_the_demo_students(app, db, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    demo_users = table_counts(db)["users"]
    platform = generate(db, students=15, courses=2)
    assert platform.first_student == 61
    emails = db.session.scalars(select(User.email).where(User.id > demo_users).order_by(User.id)).all()
    assert [e for e in emails if e.startswith("student")] == [f"student{k}@example.com" for k in range(61, 76)]
    assert db.session.scalar(select(func.count(User.id))) == demo_users + 15 + 1 + 1


def test_cli_prints_progress_and_a_summary(runner, db):
    result = runner.invoke(args=["generate", "--students", "50", "--courses", "3", "--seed", "5",
                                 "--password", PASSWORD, "--instructors", "2"])
    assert result.exit_code == 0, result.output
    counts = table_counts(db)
    assert "learners:" in result.output
    for label, table in (("users", "users"), ("courses", "courses"), ("enrollments", "enrollments"),
                         ("progress records", "progress"), ("events", "progress_events"),
                         ("badges", "achievements")):
        assert f"{label} " in result.output and f"{counts[table]:,}" in result.output
    assert "Generated in" in result.output and " s (seed 5)" in result.output
    assert "student1@example.com … student50@example.com" in result.output
    assert PASSWORD in result.output

    again = runner.invoke(args=["generate", "--students", "50", "--courses", "3"])
    assert again.exit_code != 0 and "already has generated data" in again.output
    assert table_counts(db) == counts


def test_cli_refuses_a_short_password(runner, db):
    result = runner.invoke(args=["generate", "--students", "5", "--courses", "1", "--password", "short"])
    assert result.exit_code != 0 and "--password" in result.output
    assert table_counts(db)["users"] == 0
