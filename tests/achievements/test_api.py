"""Badges earned through the progress API, once each, and GET /api/achievements."""
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from elearn.achievements.models import Achievement

from .conftest import earned


def _race(app, calls):
    """Run every ``call(client)`` at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(calls))
    statuses = []

    def worker(call):
        client = app.test_client()
        barrier.wait()
        statuses.append(call(client))

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def _stored_keys(db, user_id) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Achievement.key).where(Achievement.user_id == user_id)))


def _complete(api, token, enrollment, module):
    response = api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_first_module_and_course_badges_are_awarded_once_through_the_api(api, make, db, received):
    student = make.user(email="s@example.com")
    course = make.course(modules=2, title="Algebra")
    enrollment = make.enroll(student, course)
    m1, m2 = make.modules(course)
    token = api.token("s@example.com")

    _complete(api, token, enrollment, m1)
    assert [m["key"] for m in earned(received)] == ["first-module"]
    _complete(api, token, enrollment, m1)
    assert _stored_keys(db, student.id) == ["first-module"]

    _complete(api, token, enrollment, m2)
    _complete(api, token, enrollment, m2)
    assert [m["key"] for m in earned(received)] == ["first-module", f"course-completed:{course.id}", "first-course"]
    assert _stored_keys(db, student.id) == sorted(["first-module", f"course-completed:{course.id}", "first-course"])


def test_a_second_course_earns_its_own_badge_but_not_first_course_again(api, make, db, received):
    student = make.user(email="s@example.com")
    token = api.token("s@example.com")
    courses = [make.course(modules=1), make.course(modules=1)]
    for course in courses:
        _complete(api, token, make.enroll(student, course), make.modules(course)[0])
    assert [m["key"] for m in earned(received)] == [
        "first-module", f"course-completed:{courses[0].id}", "first-course", f"course-completed:{courses[1].id}"]


def test_reopening_and_completing_again_awards_nothing_new(api, make, db, received):
    student = make.user(email="s@example.com")
    course = make.course(modules=2)
    enrollment = make.enroll(student, course)
    m1, m2 = make.modules(course)
    token = api.token("s@example.com")
    _complete(api, token, enrollment, m1)
    record = _complete(api, token, enrollment, m2)
    announced = len(earned(received))
    assert announced == 3

    assert api.patch(f"/api/progress/{record['id']}", token, json={"completed": False}).status_code == 200
    assert api.patch(f"/api/progress/{record['id']}", token, json={"completed": True}).status_code == 200
    assert api.post("/api/progress/bulk", token, json={"items": [
        {"enrollmentId": enrollment.id, "moduleId": m1.id, "completed": False},
        {"enrollmentId": enrollment.id, "moduleId": m1.id, "completed": True}]}).status_code == 200
    assert len(earned(received)) == announced
    assert db.session.scalar(select(func.count(Achievement.id))) == 3


def test_racing_completions_award_each_badge_exactly_once(app, api, make, db, received):
    student = make.user(email="s@example.com")
    course = make.course(modules=6)
    enrollment = make.enroll(student, course)
    token = api.token("s@example.com")
    headers = {"Authorization": f"Bearer {token}"}
    urls = [f"/api/progress/mark-completed/{enrollment.id}/{m.id}" for m in make.modules(course)]
    # Every module at once, each sent three times: 18 racing requests, one course completion.
    calls = [lambda client, url=url: client.post(url, headers=headers).status_code for url in urls * 3]
    assert _race(app, calls) == [200] * 18
    assert _stored_keys(db, student.id) == sorted(["first-module", f"course-completed:{course.id}", "first-course"])
    assert sorted(m["key"] for m in earned(received)) == _stored_keys(db, student.id)


def test_racing_completions_of_different_courses_award_first_course_once(app, api, make, db, received):
    student = make.user(email="s@example.com")
    courses = [make.course(modules=1) for _ in range(4)]
    targets = [(make.enroll(student, c), make.modules(c)[0]) for c in courses]
    headers = {"Authorization": f"Bearer {api.token('s@example.com')}"}
    calls = [lambda client, url=f"/api/progress/mark-completed/{e.id}/{m.id}": client.post(url, headers=headers)
             .status_code for e, m in targets]
    assert _race(app, calls) == [200] * 4
    expected = sorted(["first-module", "first-course"] + [f"course-completed:{c.id}" for c in courses])
    assert _stored_keys(db, student.id) == expected
    assert sorted(m["key"] for m in earned(received)) == expected


def test_achievements_lists_the_callers_badges_and_streak(api, make, db, log_completions):
    student = make.user(email="s@example.com")
    course = make.course(modules=1, title="Algebra")
    enrollment = make.enroll(student, course)
    log_completions(enrollment, datetime.now(UTC) - timedelta(days=1))  # yesterday (UTC): a streak of 2
    token = api.token("s@example.com")
    _complete(api, token, enrollment, make.modules(course)[0])

    response = api.get("/api/achievements", token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["currentStreak"] == 2
    assert [set(item) for item in body["items"]] == [
        {"key", "title", "description", "icon", "courseId", "courseTitle", "earnedAt"}] * 3
    assert [(i["key"], i["title"], i["courseId"], i["courseTitle"]) for i in body["items"]] == [
        ("first-module", "First step", None, None),
        (f"course-completed:{course.id}", "Completed: Algebra", course.id, "Algebra"),
        ("first-course", "Course finisher", None, None),
    ]
    assert all(i["earnedAt"].endswith("+00:00") and i["icon"] and i["description"] for i in body["items"])


def test_a_learner_sees_only_their_own_badges(api, make):
    course = make.course(modules=2)
    alice, bob = make.user(email="alice@example.com"), make.user(email="bob@example.com")
    make.complete(make.enroll(alice, course), 2)
    make.complete(make.enroll(bob, course), 1)
    make.user(email="carol@example.com")

    assert len(api.get("/api/achievements", api.token("alice@example.com")).get_json()["items"]) == 3
    bobs = api.get("/api/achievements", api.token("bob@example.com")).get_json()
    assert [i["key"] for i in bobs["items"]] == ["first-module"] and bobs["currentStreak"] == 1
    assert api.get("/api/achievements", api.token("carol@example.com")).get_json() == {
        "items": [], "currentStreak": 0}


def test_achievements_need_a_token(api):
    response = api.get("/api/achievements")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"


def test_deleting_a_course_removes_its_badge(api, make, db):
    student = make.user(email="s@example.com")
    course = make.course(modules=1)
    make.complete(make.enroll(student, course), 1)
    instructor_email = db.session.get(type(student), course.instructor_id).email
    assert api.delete(f"/api/courses/{course.id}", api.token(instructor_email)).status_code == 204
    assert _stored_keys(db, student.id) == ["first-course", "first-module"]
