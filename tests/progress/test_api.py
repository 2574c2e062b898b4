"""The progress endpoints through HTTP."""
from sqlalchemy import func, select

from elearn.enrollments.models import Enrollment
from elearn.progress.counters import recount_enrollments
from elearn.progress.models import Progress, ProgressEvent
from tests.conftest import table_counts


def test_overall_progress_counts_modules_not_course_averages(api, seed):
    body = api.get("/api/progress/overall", api.token("john@example.com")).get_json()
    assert {k: body[k] for k in ("totalCourses", "totalModules", "completedModules", "percentage")} == {
        "totalCourses": 3, "totalModules": 25, "completedModules": 18, "percentage": 72.0}
    assert [(c["title"], c["completedModules"], c["totalModules"], c["percentage"]) for c in body["courses"]] == [
        ("JavaScript Fundamentals", 7, 10, 70.0), ("React Basics", 6, 8, 75.0), ("Node.js Backend", 5, 7, 71.43)]


def test_course_progress_lists_every_module_in_order(api, seed):
    enrollment = seed.enrollments[0]
    body = api.get(f"/api/progress/course/{enrollment.id}", api.token("john@example.com")).get_json()
    assert (body["enrollmentId"], body["courseTitle"], body["totalModules"], body["completedModules"],
            body["percentage"]) == (enrollment.id, "JavaScript Fundamentals", 10, 7, 70.0)
    assert [m["order"] for m in body["modules"]] == list(range(1, 11))
    assert [m["completed"] for m in body["modules"]] == [True] * 7 + [False] * 3
    assert [m["started"] for m in body["modules"]] == [True] * 7 + [False] * 3
    assert body["modules"][0]["completedAt"].endswith("+00:00")
    assert body["modules"][9]["startedAt"] is None


def test_mark_completed_is_idempotent(api, seed, db):
    enrollment = seed.enrollments[0]
    module_id = api.get(f"/api/progress/course/{enrollment.id}", api.token("john@example.com")) \
        .get_json()["modules"][7]["moduleId"]
    token = api.token("john@example.com")
    first = api.post(f"/api/progress/mark-completed/{enrollment.id}/{module_id}", token)
    assert first.status_code == 200 and first.get_json()["completed"] is True
    counts = table_counts(db)
    second = api.post(f"/api/progress/mark-completed/{enrollment.id}/{module_id}", token)
    assert second.status_code == 200 and second.get_json() == first.get_json()
    assert table_counts(db) == counts
    assert api.get("/api/progress/overall", token).get_json()["completedModules"] == 19


def test_completing_the_last_module_completes_the_enrollment_and_undo_reopens(api, make, db):
    student = make.user(email="s@example.com")
    course = make.course(modules=2)
    enrollment = make.enroll(student, course)
    m1, m2 = make.modules(course)
    token = api.token("s@example.com")
    api.post(f"/api/progress/mark-completed/{enrollment.id}/{m1.id}", token)
    assert db.session.get(Enrollment, enrollment.id).completed_at is None
    record = api.post(f"/api/progress/mark-completed/{enrollment.id}/{m2.id}", token).get_json()
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).completed_at is not None
    reopened = api.patch(f"/api/progress/{record['id']}", token, json={"completed": False})
    assert reopened.status_code == 200
    assert reopened.get_json()["completed"] is False and reopened.get_json()["completedAt"] is None
    db.session.expire_all()
    e = db.session.get(Enrollment, enrollment.id)
    assert (e.completed_count, e.completed_at) == (1, None)
    kinds = db.session.scalars(select(ProgressEvent.kind).order_by(ProgressEvent.id)).all()
    assert kinds == ["completed", "completed", "reopened"]


def test_start_module_creates_a_record_once(api, make, db):
    student = make.user(email="s@example.com")
    course = make.course(modules=3)
    enrollment = make.enroll(student, course)
    module = make.modules(course)[0]
    token = api.token("s@example.com")
    created = api.post("/api/progress", token, json={"enrollmentId": enrollment.id, "moduleId": module.id})
    assert created.status_code == 201
    body = created.get_json()
    assert set(body) == {"id", "enrollmentId", "moduleId", "completed", "startedAt", "completedAt", "updatedAt"}
    assert (body["completed"], body["completedAt"]) == (False, None)
    again = api.post("/api/progress", token, json={"enrollmentId": enrollment.id, "moduleId": module.id})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert db.session.scalar(select(func.count(Progress.id))) == 1


def test_start_module_completed_counts_at_once(api, make, db):
    student = make.user(email="s@example.com")
    course = make.course(modules=2)
    enrollment = make.enroll(student, course)
    module = make.modules(course)[1]
    response = api.post("/api/progress", api.token("s@example.com"),
                        json={"enrollmentId": enrollment.id, "moduleId": module.id, "completed": True})
    assert response.status_code == 201 and response.get_json()["completed"] is True
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).completed_count == 1


def test_module_of_another_course_is_422_and_writes_nothing(api, make, db):
    student = make.user(email="s@example.com")
    course, other = make.course(modules=2), make.course(modules=2)
    enrollment = make.enroll(student, course)
    foreign_module = make.modules(other)[0]
    token = api.token("s@example.com")
    counts = table_counts(db)
    for response in (
        api.post("/api/progress", token, json={"enrollmentId": enrollment.id, "moduleId": foreign_module.id}),
        api.post(f"/api/progress/mark-completed/{enrollment.id}/{foreign_module.id}", token),
        api.post(f"/api/progress/mark-completed/{enrollment.id}/999999", token),
    ):
        assert response.status_code == 422
        assert response.get_json()["error"]["details"] == {"moduleId": "not in the enrollment's course"}
    assert table_counts(db) == counts


def test_my_progress_is_the_callers_records_paginated(api, seed, make):
    other = make.user(email="other@example.com")
    make.complete(make.enroll(other, seed.courses[0]), 2)
    page = api.get("/api/progress/my-progress?perPage=5", api.token("john@example.com")).get_json()
    assert (page["total"], page["perPage"], len(page["items"])) == (18, 5, 5)
    john_enrollments = {e.id for e in seed.enrollments}
    assert {r["enrollmentId"] for r in page["items"]} <= john_enrollments


def test_enrollment_records_in_module_order(api, seed):
    enrollment = seed.enrollments[1]
    records = api.get(f"/api/progress/enrollment/{enrollment.id}", api.token("john@example.com")).get_json()
    assert len(records) == 6 and all(r["completed"] for r in records)
    assert all(r["enrollmentId"] == enrollment.id for r in records)


def test_admin_lists_every_record_with_filters(api, seed, make):
    make.user("admin", email="root@example.com")
    other = make.user(email="other@example.com")
    make.complete(make.enroll(other, seed.courses[2]), 1)
    token = api.token("root@example.com")
    assert api.get("/api/progress", token).get_json()["total"] == 19
    assert api.get(f"/api/progress?userId={seed.john.id}", token).get_json()["total"] == 18
    assert api.get(f"/api/progress?courseId={seed.courses[2].id}", token).get_json()["total"] == 6
    assert api.get(f"/api/progress?courseId={seed.courses[2].id}&userId={other.id}", token).get_json()["total"] == 1
    assert api.get("/api/progress?completed=false", token).get_json()["total"] == 0
    assert api.get("/api/progress?completed=maybe", token).status_code == 422
    assert api.get("/api/progress", api.token("john@example.com")).status_code == 403


def test_batch_course_progress(api, seed):
    ids = ",".join(str(e.id) for e in seed.enrollments)
    body = api.get(f"/api/progress/courses?ids={ids}", api.token("john@example.com")).get_json()
    assert [(c["courseTitle"], c["percentage"], len(c["modules"])) for c in body["items"]] == [
        ("JavaScript Fundamentals", 70.0, 10), ("React Basics", 75.0, 8), ("Node.js Backend", 71.43, 7)]
    assert api.get("/api/progress/courses?ids=1,x", api.token("john@example.com")).status_code == 422
    assert api.get("/api/progress/courses", api.token("john@example.com")).status_code == 422


def test_bulk_applies_items_and_reports_each(api, make, db):
    student = make.user(email="s@example.com")
    course, other = make.course(modules=3), make.course(modules=1)
    enrollment = make.enroll(student, course)
    m1, m2, m3 = make.modules(course)
    foreign = make.modules(other)[0]
    make.complete(enrollment, 1)
    items = [
        {"enrollmentId": enrollment.id, "moduleId": m1.id, "completed": True},   # already done
        {"enrollmentId": enrollment.id, "moduleId": m2.id, "completed": True},
        {"enrollmentId": enrollment.id, "moduleId": foreign.id, "completed": True},
        {"enrollmentId": enrollment.id, "moduleId": m3.id, "completed": False},  # starts it
        {"enrollmentId": enrollment.id, "moduleId": m1.id, "completed": False},  # reopens
    ]
    response = api.post("/api/progress/bulk", api.token("s@example.com"), json={"items": items})
    assert response.status_code == 200
    body = response.get_json()
    assert [r["status"] for r in body["results"]] == ["unchanged", "changed", "error", "changed", "changed"]
    assert (body["changed"], body["unchanged"], body["errors"]) == (3, 1, 1)
    assert body["results"][1]["record"]["completed"] is True
    assert body["results"][2]["record"] is None and body["results"][2]["error"]["code"] == "invalid"
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).completed_count == 1


def test_bulk_is_all_or_nothing_on_someone_elses_enrollment(api, make, db):
    student, stranger = make.user(email="s@example.com"), make.user(email="x@example.com")
    course = make.course(modules=2)
    mine, theirs = make.enroll(student, course), make.enroll(stranger, course)
    m1, _ = make.modules(course)
    token = api.token("s@example.com")
    counts = table_counts(db)
    response = api.post("/api/progress/bulk", token, json={"items": [
        {"enrollmentId": mine.id, "moduleId": m1.id, "completed": True},
        {"enrollmentId": theirs.id, "moduleId": m1.id, "completed": True}]})
    assert response.status_code == 404
    assert response.get_json()["error"]["details"] == {"enrollmentIds": [theirs.id]}
    assert table_counts(db) == counts


def test_bulk_refuses_more_than_1000_items_and_empty_lists(api, make):
    make.user(email="s@example.com")
    token = api.token("s@example.com")
    items = [{"enrollmentId": 1, "moduleId": 1, "completed": True}] * 1001
    assert api.post("/api/progress/bulk", token, json={"items": items}).status_code == 422
    assert api.post("/api/progress/bulk", token, json={"items": []}).status_code == 422


def test_counters_match_a_full_recount_after_mixed_operations(api, make, db):
    student = make.user(email="s@example.com")
    instructor = make.user("instructor", email="i@example.com")
    course = make.course(instructor, modules=5)
    enrollment = make.enroll(student, course)
    modules = make.modules(course)
    token = api.token("s@example.com")
    for module in modules[:4]:
        api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", token)
    records = api.get(f"/api/progress/enrollment/{enrollment.id}", token).get_json()
    api.patch(f"/api/progress/{records[1]['id']}", token, json={"completed": False})
    api.patch(f"/api/progress/{records[1]['id']}", token, json={"completed": True})
    api.patch(f"/api/progress/{records[2]['id']}", token, json={"completed": False})
    itoken = api.token("i@example.com")
    api.delete(f"/api/modules/{modules[0].id}", itoken)
    api.post(f"/api/courses/{course.id}/modules", itoken, json={"title": "New", "order": 1})
    db.session.expire_all()
    before = db.session.execute(select(Enrollment.completed_count, Enrollment.completed_at)).all()
    recount_enrollments()
    after = db.session.execute(select(Enrollment.completed_count, Enrollment.completed_at)).all()
    db.session.rollback()
    assert before == after and before[0][0] == 2
