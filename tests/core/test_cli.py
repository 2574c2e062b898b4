"""The CLI commands: create-user, seed-demo, generate."""
from collections import Counter

from sqlalchemy import func, select

from elearn.auth.models import User
from elearn.catalog.lessons import render_markdown
from elearn.catalog.models import Content, Course, Module
from elearn.enrollments.models import Enrollment
from elearn.progress.counters import recount_enrollments
from elearn.storage import storage
from tests.conftest import table_counts


def _john_numbers(db):
    rows = db.session.execute(
        select(Course.title, Enrollment.completed_count, Course.module_count)
        .join(Enrollment, Enrollment.course_id == Course.id)
        .join(User, User.id == Enrollment.user_id)
        .where(User.email == "john@example.com")
        .order_by(Course.id)
    ).all()
    return [tuple(r) for r in rows]


def test_seed_demo_builds_the_seed_example_and_is_idempotent(runner, db):
    first = runner.invoke(args=["seed-demo", "--password", "demo-pass-1"])
    assert first.exit_code == 0, first.output
    assert "john@example.com" in first.output and "demo-pass-1" in first.output
    counts = table_counts(db)
    john = _john_numbers(db)
    assert john == [("JavaScript Fundamentals", 7, 10), ("React Basics", 6, 8), ("Node.js Backend", 5, 7)]
    done = sum(r[1] for r in john)
    total = sum(r[2] for r in john)
    assert (done, total, round(100 * done / total, 2)) == (18, 25, 72.0)

    second = runner.invoke(args=["seed-demo", "--password", "demo-pass-1"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert table_counts(db) == counts
    assert _john_numbers(db) == john


def test_seed_demo_gives_every_dashboard_something_to_show(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    counts = table_counts(db)
    assert counts["users"] >= 64
    assert db.session.scalar(select(User).where(User.role == "admin")) is not None
    assert db.session.scalar(select(User).where(User.role == "instructor")) is not None
    finished = db.session.scalars(select(Enrollment).where(Enrollment.completed_at.is_not(None))).all()
    stalled = db.session.scalars(
        select(Enrollment).where(Enrollment.completed_at.is_(None), Enrollment.completed_count > 0)).all()
    assert finished and len(stalled) > len(finished)
    assert all(e.price_paid_cents >= 0 for e in finished)
    assert counts["progress_events"] > counts["progress"]


def test_seed_demo_counters_match_a_full_recount(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = db.session.execute(
        select(Enrollment.id, Enrollment.completed_count, Enrollment.completed_at, Enrollment.last_activity_at)
        .order_by(Enrollment.id)).all()
    recount_enrollments()
    db.session.commit()
    after = db.session.execute(
        select(Enrollment.id, Enrollment.completed_count, Enrollment.completed_at, Enrollment.last_activity_at)
        .order_by(Enrollment.id)).all()
    assert before == after


def test_seed_demo_contents_all_work_offline(runner, db, client):
    """Every demo content is a file stored here or a lesson written here: no outside address."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    modules = db.session.scalar(select(func.count()).select_from(Module))
    contents = db.session.scalars(select(Content)).all()
    assert [c for c in contents if c.url is not None] == []
    assert Counter(c.type for c in contents) == {"video": modules, "text": modules, "pdf": 6}
    for lesson in (c for c in contents if c.type == "text"):
        html = render_markdown(lesson.body)
        assert "<p>" in html and len(lesson.body) > 200, lesson.title
    thumbnails = db.session.scalars(select(Course.thumbnail_key)).all()
    assert len(thumbnails) == 6 and None not in thumbnails
    files = {c.storage_key: c.media_type for c in contents if c.storage_key}
    files |= {key.replace(".jpg", "-320.webp"): "image/webp" for key in thumbnails}
    for key, media_type in files.items():
        with client.get(storage().url(key)) as answer:
            assert answer.status_code == 200 and answer.mimetype == media_type and len(answer.data) > 1000, key


def test_seed_demo_sets_the_password_of_demo_logins(runner, client, api):
    assert runner.invoke(args=["seed-demo", "--password", "chosen-pw-9"]).exit_code == 0
    assert api.token("john@example.com", "chosen-pw-9")
    assert api.token("admin@example.com", "chosen-pw-9")


def test_seed_demo_if_empty_leaves_a_used_database_alone(runner, db, make):
    make.user()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "not seeded" in result.output
    assert table_counts(db)["courses"] == 0


def test_create_user_makes_a_user_who_can_sign_in(runner, api, db):
    result = runner.invoke(args=["create-user", "Teach@Example.com", "--role", "instructor",
                                 "--password", "long-enough-pw", "--name", "Teach Er"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "teach@example.com"))
    assert (user.role, user.name) == ("instructor", "Teach Er")
    assert user.password_hash != "long-enough-pw"
    assert api.token("teach@example.com", "long-enough-pw")


def test_create_user_refuses_bad_input_and_duplicates(runner, db):
    short = runner.invoke(args=["create-user", "a@example.com", "--role", "student", "--password", "short"])
    assert short.exit_code != 0 and "password" in short.output
    ok = runner.invoke(args=["create-user", "a@example.com", "--role", "student", "--password", "long-enough"])
    assert ok.exit_code == 0
    dup = runner.invoke(args=["create-user", "A@example.com", "--role", "admin", "--password", "long-enough"])
    assert dup.exit_code != 0 and "already exists" in dup.output
    assert table_counts(db)["users"] == 1


def test_seed_demo_awards_badges_from_the_demo_history(runner, db):
    from elearn.achievements.models import Achievement

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    john = db.session.scalar(select(User).where(User.email == "john@example.com"))
    keys = set(db.session.scalars(select(Achievement.key).where(Achievement.user_id == john.id)))
    assert "first-module" in keys and "first-course" not in keys
    finished = db.session.scalar(select(Enrollment).where(Enrollment.completed_at.is_not(None)))
    theirs = set(db.session.scalars(select(Achievement.key).where(Achievement.user_id == finished.user_id)))
    assert {"first-module", "first-course", f"course-completed:{finished.course_id}"} <= theirs
    before = table_counts(db)["achievements"]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert table_counts(db)["achievements"] == before


def test_the_worker_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
