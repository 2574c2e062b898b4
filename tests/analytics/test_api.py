"""The analytics JSON API and CSV download."""
import csv
import io
from datetime import datetime

import pytest

from tests.conftest import table_counts

COURSE_KEYS = {"courseId", "title", "totalEnrollments", "activeLearners7d", "averageCompletion",
               "completedEnrollments", "completionRate", "averageDaysToComplete", "modules",
               "mostCompletedModuleId", "leastCompletedModuleId", "dropOff"}
MODULE_KEYS = {"moduleId", "title", "order", "startedCount", "completedCount", "completionRate",
               "averageHoursToComplete"}
STUDENT_KEYS = {"userId", "email", "name", "enrollmentId", "completedModules", "totalModules", "percentage",
                "lastActivityAt"}


@pytest.fixture
def tokens(make, api, issue):
    make.user("instructor", email="bob@example.com")
    make.user("admin", email="root@example.com")
    return {who: api.token(f"{who}@example.com") for who in ("ada", "bob", "root", "ana")}


def _paths(course_id):
    base = f"/api/analytics/courses/{course_id}"
    return [base, f"{base}/students", f"{base}/students.csv"]


def test_course_analytics_answers_the_contract_fields(api, issue, tokens):
    response = api.get(f"/api/analytics/courses/{issue.course.id}", tokens["ada"])
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == COURSE_KEYS
    assert all(set(m) == MODULE_KEYS for m in body["modules"])
    m1, m2, m3, m4 = (m.id for m in issue.modules)
    assert {k: body[k] for k in COURSE_KEYS - {"modules", "dropOff"}} == {
        "courseId": issue.course.id, "title": "Hand-computed", "totalEnrollments": 4, "activeLearners7d": 2,
        "averageCompletion": 43.75, "completedEnrollments": 1, "completionRate": 25.0,
        "averageDaysToComplete": 10.5, "mostCompletedModuleId": m1, "leastCompletedModuleId": m3,
    }
    assert [(m["moduleId"], m["order"], m["startedCount"], m["completedCount"], m["completionRate"],
             m["averageHoursToComplete"]) for m in body["modules"]] == [
        (m1, 1, 4, 3, 75.0, 3.0), (m2, 2, 2, 2, 50.0, 3.5), (m3, 3, 1, 1, 25.0, 0.5), (m4, 4, 1, 1, 25.0, 12.0)]
    assert body["dropOff"] == [{"moduleId": m1, "learners": 1}, {"moduleId": m2, "learners": 0},
                               {"moduleId": m3, "learners": 1}, {"moduleId": m4, "learners": 0}]


def test_students_are_a_paginated_list_in_the_contract_shape(api, issue, tokens):
    response = api.get(f"/api/analytics/courses/{issue.course.id}/students?sort=-percentage&perPage=3",
                       tokens["root"])
    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["perPage"], body["total"]) == (1, 3, 4)
    assert all(set(item) == STUDENT_KEYS for item in body["items"])
    ana = body["items"][0]
    assert ana == {"userId": issue.students["ana"].id, "email": "ana@example.com", "name": "Ana Learner",
                   "enrollmentId": issue.enrollments["ana"].id, "completedModules": 4, "totalModules": 4,
                   "percentage": 100.0, "lastActivityAt": ana["lastActivityAt"]}
    assert datetime.fromisoformat(ana["lastActivityAt"]).utcoffset().total_seconds() == 0
    assert [i["percentage"] for i in body["items"]] == [100.0, 50.0, 25.0]
    second = api.get(f"/api/analytics/courses/{issue.course.id}/students?sort=-percentage&perPage=3&page=2",
                     tokens["root"]).get_json()
    assert [i["email"] for i in second["items"]] == ["dan@example.com"]


@pytest.mark.parametrize("sort, first", [("percentage", "dan"), ("-percentage", "ana"), ("lastActivityAt", "ben"),
                                         ("-lastActivityAt", "ana"), ("email", "ana"), ("-email", "dan"),
                                         ("name", "ana"), ("-name", "dan")])
def test_every_sort_is_accepted(api, issue, tokens, sort, first):
    body = api.get(f"/api/analytics/courses/{issue.course.id}/students", tokens["ada"],
                   query_string={"sort": sort}).get_json()
    assert body["items"][0]["email"] == f"{first}@example.com"


def test_students_search_by_email_or_name(api, issue, tokens):
    path = f"/api/analytics/courses/{issue.course.id}/students"
    assert [i["email"] for i in api.get(path, tokens["ada"], query_string={"q": "BEN lea"}).get_json()["items"]] == [
        "ben@example.com"]
    assert api.get(path, tokens["ada"], query_string={"q": "%"}).get_json()["total"] == 0


@pytest.mark.parametrize("query", [{"sort": "password"}, {"sort": "-"}, {"perPage": "500"}, {"page": "0"},
                                   {"unknown": "1"}, {"q": "x" * 300}])
def test_bad_query_parameters_are_422(api, issue, tokens, query):
    for path in _paths(issue.course.id)[1:]:
        response = api.get(path, tokens["ada"], query_string=query)  # the download has no pages at all
        assert response.status_code == 422, (path, query)
        assert response.get_json()["error"]["code"] == "invalid"


def test_the_csv_download_is_a_streamed_attachment(api, issue, tokens):
    response = api.get(f"/api/analytics/courses/{issue.course.id}/students.csv?sort=email", tokens["ada"])
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="course-{issue.course.id}-students.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[0] == ["userId", "email", "name", "enrollmentId", "completedModules", "totalModules",
                       "percentage", "lastActivityAt"]
    assert [(r[1], r[4], r[6]) for r in rows[1:]] == [
        ("ana@example.com", "4", "100.0"), ("ben@example.com", "2", "50.0"), ("cleo@example.com", "1", "25.0"),
        ("dan@example.com", "0", "0.0")]


def test_the_csv_neutralises_a_formula_name(api, make, issue, tokens):
    evil = make.user(email="evil@example.com", name="=cmd|' /C calc'!A0")
    make.enroll(evil, issue.course)
    response = api.get(f"/api/analytics/courses/{issue.course.id}/students.csv?q=evil", tokens["ada"])
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[1][2] == "'=cmd|' /C calc'!A0"


# --- access -------------------------------------------------------------------------------

def test_only_the_instructor_and_admins_get_answers(api, db, make, issue, tokens):
    draft = make.course(issue.instructor, modules=2, published=False)
    counts = table_counts(db)
    expected_published = {"ada": 200, "root": 200, "bob": 403, "ana": 403}
    expected_draft = {"ada": 200, "root": 200, "bob": 404, "ana": 404}
    for course_id, expected in ((issue.course.id, expected_published), (draft.id, expected_draft)):
        for path in _paths(course_id):
            assert {who: api.get(path, tokens[who]).status_code for who in expected} == expected, path
            assert api.get(path).status_code == 401
    for path in (*_paths(999_999), *_paths(2**31), *_paths(2**63 - 1)):  # (past a 32-bit id: none, not a 500)
        assert api.get(path, tokens["root"]).status_code == 404, path
    assert table_counts(db) == counts


def test_refusals_have_the_error_shape_even_for_the_csv(api, issue, tokens):
    response = api.get(f"/api/analytics/courses/{issue.course.id}/students.csv", tokens["bob"])
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "forbidden"
    assert "Content-Disposition" not in response.headers


def test_the_openapi_document_describes_the_json_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    figures = spec["paths"]["/api/analytics/courses/{courseId}"]["get"]
    assert {"200", "401", "403", "404"} <= set(figures["responses"])
    assert set(spec["components"]["schemas"]["CourseAnalyticsOut"]["properties"]) == COURSE_KEYS
    students = spec["paths"]["/api/analytics/courses/{courseId}/students"]["get"]
    assert {p["name"] for p in students["parameters"]} == {"courseId", "q", "sort", "status", "page", "perPage"}
    assert set(spec["components"]["schemas"]["StudentRowOut"]["properties"]) == STUDENT_KEYS


# --- statement counts ------------------------------------------------------------------------

def _statements(api, count_queries, path, token):
    with count_queries() as statements:
        response = api.get(path, token)
        assert response.status_code == 200, response.get_json()
        response.get_data()  # a streamed body runs its query here
    return len(statements)


def test_statement_counts_do_not_grow_with_students_or_modules(api, make, issue, tokens, count_queries):
    big = make.course(issue.instructor, modules=20)
    for k in range(12):
        make.complete(make.enroll(make.user(), big), k)
    for path in ("", "/students?sort=name&q=e", "/students.csv?sort=-percentage"):
        small = _statements(api, count_queries, f"/api/analytics/courses/{issue.course.id}{path}", tokens["ada"])
        large = _statements(api, count_queries, f"/api/analytics/courses/{big.id}{path}", tokens["ada"])
        assert small == large, path
    # at most the user and the course, then: the figures in three / a count and a page / the rows
    assert _statements(api, count_queries, f"/api/analytics/courses/{big.id}", tokens["ada"]) <= 5
    assert _statements(api, count_queries, f"/api/analytics/courses/{big.id}/students", tokens["ada"]) <= 4
    assert _statements(api, count_queries, f"/api/analytics/courses/{big.id}/students.csv", tokens["ada"]) <= 3


def test_the_figures_are_prepared_statements_on_postgresql(api, make, issue, tokens, count_queries, db):
    """Parsed and planned once per connection: as text, planning them cost as much as
    running them."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    executed = [f"EXECUTE {name}" for name in ("elearn_course_facts", "elearn_class_figures", "elearn_module_rates")]
    for completed in (1, 2):
        with count_queries() as sent:
            assert api.get(f"/api/analytics/courses/{issue.course.id}", tokens["ada"]).get_json()[
                "completedEnrollments"] == completed
        assert [statement.split("(")[0].strip() for statement in sent if statement.startswith("EXECUTE")] == executed
        make.complete(issue.enrollments["ben"], 4)  # a change of the course: the figures again


def test_cached_figures_answer_their_instructor_without_a_statement_and_no_one_else(
        api, make, issue, tokens, count_queries, db):
    from elearn.auth.models import User

    path = f"/api/analytics/courses/{issue.course.id}"
    assert api.get(path, tokens["ada"]).get_json()["totalEnrollments"] == 4
    assert _statements(api, count_queries, path, tokens["ada"]) == 0, "warm: the cache alone"
    make.user("instructor", email="bea@example.com")
    bea = api.token("bea@example.com")
    assert api.get(path, bea).status_code == 403, "another instructor, figures cached or not"
    db.session.get(User, issue.instructor.id).role = "student"  # demoted: no rights over the course
    db.session.commit()
    assert api.get(path, tokens["ada"]).status_code in (403, 404)
    root = tokens["root"]
    assert api.get(path, root).get_json()["totalEnrollments"] == 4
    assert _statements(api, count_queries, path, root) == 0


def test_the_student_list_filters_by_status(api, issue, tokens):
    token = tokens["ada"]
    found = api.get(f"/api/analytics/courses/{issue.course.id}/students", token,
                    query_string={"status": "inactive", "sort": "email"}).get_json()
    assert [row["email"] for row in found["items"]] == ["ben@example.com", "dan@example.com"]
    assert found["total"] == 2
    refused = api.get(f"/api/analytics/courses/{issue.course.id}/students", token,
                      query_string={"status": "asleep"})
    assert refused.status_code == 422
