"""Who may read and write whose progress: second student, second instructor, admin."""
import pytest

from tests.conftest import table_counts


@pytest.fixture
def cast(make, api):
    """Ada teaches the course Sam and Kim take; Bob teaches another one."""
    ada = make.user("instructor", email="ada@example.com")
    make.user("instructor", email="bob@example.com")
    make.user("admin", email="root@example.com")
    sam, kim = make.user(email="sam@example.com"), make.user(email="kim@example.com")
    course = make.course(ada, modules=3)
    sam_enrollment = make.complete(make.enroll(sam, course), 1)
    make.enroll(kim, course)
    modules = make.modules(course)
    record_id = api.get(f"/api/progress/enrollment/{sam_enrollment.id}", api.token("sam@example.com")).get_json()[0]["id"]
    tokens = {who: api.token(f"{who}@example.com") for who in ("ada", "bob", "root", "sam", "kim")}
    return tokens, sam_enrollment.id, modules, record_id


READS = ["/api/progress/enrollment/{e}", "/api/progress/course/{e}", "/api/progress/courses?ids={e}"]


@pytest.mark.parametrize("path", READS)
def test_reading_an_enrollment(api, cast, path):
    tokens, enrollment_id, _modules, _record = cast
    url = path.format(e=enrollment_id)
    expected = {"sam": 200, "ada": 200, "root": 200, "kim": 404, "bob": 404}
    assert {who: api.get(url, tokens[who]).status_code for who in expected} == expected
    assert api.get(url).status_code == 401


def test_nobody_else_writes_a_learners_progress(api, db, cast):
    tokens, enrollment_id, modules, record_id = cast
    counts = table_counts(db)
    expected = {"kim": 404, "bob": 404, "ada": 403, "root": 403}
    for who, status in expected.items():
        token = tokens[who]
        assert api.post(f"/api/progress/mark-completed/{enrollment_id}/{modules[1].id}", token).status_code == status
        assert api.post("/api/progress", token, json={"enrollmentId": enrollment_id,
                                                     "moduleId": modules[2].id}).status_code == status
        assert api.patch(f"/api/progress/{record_id}", token, json={"completed": False}).status_code == status
        bulk = api.post("/api/progress/bulk", token, json={"items": [
            {"enrollmentId": enrollment_id, "moduleId": modules[1].id, "completed": True}]})
        assert bulk.status_code == 404
    assert table_counts(db) == counts
    assert api.get("/api/progress/overall", tokens["sam"]).get_json()["completedModules"] == 1


def test_unknown_records_and_enrollments_are_404(api, cast):
    tokens, *_ = cast
    assert api.get("/api/progress/course/99999", tokens["root"]).status_code == 404
    assert api.patch("/api/progress/99999", tokens["sam"], json={"completed": True}).status_code == 404
    assert api.post("/api/progress/mark-completed/99999/1", tokens["sam"]).status_code == 404


def test_validation_errors_have_the_contract_shape(api, cast):
    tokens, enrollment_id, modules, record_id = cast
    response = api.post("/api/progress", tokens["sam"], json={"enrollmentId": "one", "moduleId": -1, "extra": 1})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and set(error["details"]) == {"enrollmentId", "moduleId", "extra"}
    assert api.patch(f"/api/progress/{record_id}", tokens["sam"], json={}).get_json()["error"]["details"] == {
        "completed": "Enter true or false for completed."}
    assert api.patch(f"/api/progress/{record_id}", tokens["sam"], json={"completed": "yes please"}).status_code == 422
