"""GET /api/xapi/statements: each progress change as an xAPI statement, who reads which, the filters."""
import json
import uuid

import pytest

from elearn.extensions import db

ADL = "http://adlnet.gov/expapi/verbs/"
EARNED = "http://id.tincanapi.com/verb/earned"


@pytest.fixture
def story(make, api, app):
    """Sam starts, completes, reopens and completes module 1, then completes module 2 (the
    course): every kind of statement, in a known order."""
    teacher = make.user("instructor", email="teach@example.com")
    course = make.course(teacher, modules=2, title="Algebra")
    first, second = make.modules(course)
    sam = make.user(email="sam@example.com")
    enrollment = make.enroll(sam, course)
    make.user("admin", email="root@example.com")
    db.session.commit()
    token = api.token("sam@example.com")
    record = api.post("/api/progress", token, json={"enrollmentId": enrollment.id, "moduleId": first.id}).get_json()
    assert api.post(f"/api/progress/mark-completed/{enrollment.id}/{first.id}", token).status_code == 200
    assert api.patch(f"/api/progress/{record['id']}", token, json={"completed": False}).status_code == 200
    assert api.post(f"/api/progress/mark-completed/{enrollment.id}/{first.id}", token).status_code == 200
    assert api.post(f"/api/progress/mark-completed/{enrollment.id}/{second.id}", token).status_code == 200
    site = app.config["BASE_URL"]
    return {"course": course, "modules": (first, second), "sam": sam, "token": token, "site": site,
            "course_iri": f"{site}/xapi/activities/course/{course.id}"}


def _read(api, token, **params):
    response = api.get("/api/xapi/statements", token, query_string=params)
    assert response.status_code == 200, response.get_json()
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    return response.get_json()


def _summary(statements):
    return [(s["verb"]["id"].rsplit("/", 1)[-1], s["object"]["id"].split("/xapi/activities/")[1]) for s in statements]


def test_every_change_is_one_statement_in_order(api, story):
    course, (first, second), sam = story["course"], story["modules"], story["sam"]
    body = _read(api, story["token"], ascending="true")
    assert body["more"] == ""
    assert _summary(body["statements"]) == [
        ("initialized", f"module/{first.id}"),
        ("completed", f"module/{first.id}"),
        ("earned", "badge/first-module"),
        ("progressed", f"module/{first.id}"),
        ("completed", f"module/{first.id}"),
        ("completed", f"module/{second.id}"),
        ("completed", f"course/{course.id}"),
        ("earned", f"badge/course-completed:{course.id}"),
        ("earned", "badge/first-course"),
    ]
    statements = body["statements"]
    assert all(s["actor"] == {"objectType": "Agent", "account": {"homePage": story["site"], "name": str(sam.id)}}
               for s in statements)
    assert [s.get("result") for s in statements[:2]] == [None, {"completion": True}]
    assert statements[3]["result"] == {"completion": False}
    assert statements[6]["result"] == {"completion": True, "score": {"scaled": 1.0}}
    module = statements[1]["object"]
    assert module["definition"] == {"type": "http://adlnet.gov/expapi/activities/module", "name": {"und": "Module 1"}}
    assert statements[1]["context"]["contextActivities"]["parent"][0]["id"] == story["course_iri"]
    assert statements[1]["context"]["contextActivities"]["parent"][0]["definition"]["name"] == {"und": "Algebra"}
    assert statements[7]["object"]["definition"]["name"] == {"und": "Completed: Algebra"}
    assert all(s["version"] == "1.0.3" and s["stored"] == s["timestamp"] and s["timestamp"].endswith("Z")
               for s in statements)
    # Ids are UUIDs, all different, and the same at every reading; newest first by default.
    ids = [s["id"] for s in statements]
    assert len(set(ids)) == 9 and all(uuid.UUID(i).version == 5 for i in ids)
    assert [s["id"] for s in _read(api, story["token"])["statements"]] == ids[::-1]


def test_who_reads_which_statements(api, make, story):
    other_teacher = make.user("instructor", email="other@example.com")
    make.course(other_teacher, modules=1)
    make.user(email="kim@example.com")
    db.session.commit()
    count = lambda email: len(_read(api, api.token(email))["statements"])  # noqa: E731
    assert count("root@example.com") == 9
    assert count("teach@example.com") == 7  # the course's statements, not Sam's first-module/first-course badges
    assert count("other@example.com") == 0
    assert count("kim@example.com") == 0
    kim_asks_for_sam = json.dumps({"account": {"homePage": story["site"], "name": str(story["sam"].id)}})
    assert _read(api, api.token("kim@example.com"), agent=kim_asks_for_sam)["statements"] == []
    assert api.get("/api/xapi/statements").status_code == 401


def test_filters_of_the_lrs_query(api, story):
    token, (first, second) = api.token("root@example.com"), story["modules"]
    site = story["site"]
    completed = _read(api, token, verb=ADL + "completed", ascending="true")["statements"]
    assert [o for _v, o in _summary(completed)] == [f"module/{first.id}", f"module/{first.id}", f"module/{second.id}",
                                                     f"course/{story['course'].id}"]
    assert len(_read(api, token, verb=EARNED)["statements"]) == 3
    assert _read(api, token, verb="http://example.com/verbs/danced")["statements"] == []
    module_iri = f"{site}/xapi/activities/module/{first.id}"
    assert len(_read(api, token, activity=module_iri)["statements"]) == 4
    assert len(_read(api, token, activity=story["course_iri"])["statements"]) == 1
    assert len(_read(api, token, activity=story["course_iri"], related_activities="true")["statements"]) == 7
    assert _read(api, token, activity="http://elsewhere.example/xapi/activities/module/1")["statements"] == []
    sam = {"account": {"homePage": site, "name": str(story["sam"].id)}}
    assert len(_read(api, token, agent=json.dumps(sam))["statements"]) == 9
    assert len(_read(api, token, agent=json.dumps({"mbox": "mailto:SAM@example.com"}))["statements"]) == 9
    assert _read(api, token, agent=json.dumps({"mbox": "mailto:nobody@example.com"}))["statements"] == []
    everything = _read(api, token, ascending="true")["statements"]
    middle = everything[4]["timestamp"]
    later = _read(api, token, since=middle.replace("Z", "+00:00"), ascending="true")["statements"]
    assert [s["id"] for s in later] == [s["id"] for s in everything if s["timestamp"] > middle]


def test_pages_follow_each_other_through_more(api, story):
    token = api.token("root@example.com")
    everything = [s["id"] for s in _read(api, token)["statements"]]
    seen, params = [], {"limit": "2"}
    body = _read(api, token, **params)
    while True:
        seen += [s["id"] for s in body["statements"]]
        if not body["more"]:
            break
        assert body["more"].startswith("/api/xapi/statements?") and "limit=2" in body["more"]
        response = api.get(body["more"], token)
        assert response.status_code == 200
        body = response.get_json()
    assert seen == everything


@pytest.mark.parametrize("params, field", [
    ({"agent": "not json"}, "agent"),
    ({"agent": json.dumps({"name": "Sam"})}, "agent"),
    ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ({"limit": "501"}, "limit"),
    ({"since": "2026-01-02T00:00:00+00:00", "until": "2026-01-01T00:00:00+00:00"}, None),
])
def test_malformed_queries_are_refused_clearly(api, story, params, field):
    response = api.get("/api/xapi/statements", api.token("root@example.com"), query_string=params)
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["code"] == "invalid"
    if field:
        assert field in body["details"], body


def test_the_actor_can_be_the_mailbox(api, story, monkeypatch, app):
    monkeypatch.setitem(app.config, "XAPI_ACTOR", "mbox")
    statements = _read(api, story["token"])["statements"]
    assert len(statements) == 9
    assert all(s["actor"] == {"objectType": "Agent", "mbox": "mailto:sam@example.com"} for s in statements)


def test_a_deleted_modules_history_makes_no_statement(api, story):
    teacher = api.token("teach@example.com")
    second = story["modules"][1]
    assert api.delete(f"/api/modules/{second.id}", teacher).status_code == 204
    objects = [o for _v, o in _summary(_read(api, story["token"])["statements"])]
    assert f"module/{second.id}" not in objects and len(objects) == 8


@pytest.mark.parametrize("params", [
    {"since": "0001-01-01T00:00:00+01:00"},
    {"until": "9999-12-31T23:59:59-05:00"},
    {"cursor": "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMCwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwXQ"},  # an id past BIGINT
    {"cursor": "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzAxOjAwIiwgMCwgMV0"},  # year 1, an hour east
    {"cursor": "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgNywgMV0"},  # no such part
])
def test_out_of_range_times_and_cursors_are_refused(api, story, params):
    response = api.get("/api/xapi/statements", api.token("root@example.com"), query_string=params)
    assert response.status_code == 422, response.get_json()


@pytest.mark.parametrize("iri_tail", ["module/²", "course/99999999999999999999", "badge/", "lesson/1"])
def test_activities_of_nothing_here_match_nothing(api, story, iri_tail):
    activity = f"{story['site']}/xapi/activities/{iri_tail}"
    assert _read(api, api.token("root@example.com"), activity=activity)["statements"] == []
