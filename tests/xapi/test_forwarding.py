"""Forwarding to a real LRS (Ralph): one statement per change, in order, through outages and replays."""
import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from elearn.audit.models import AuditEntry
from elearn.extensions import db
from elearn.progress.models import XapiOutbox
from elearn.xapi import forwarding
from tests.conftest import RALPH

pytestmark = pytest.mark.lrs


def _platform(make, api, modules=3):
    make.user("admin", email="root@example.com")
    teacher = make.user("instructor", email="teach@example.com")
    course = make.course(teacher, modules=modules, title="Algebra")
    sam = make.user(email="sam@example.com")
    enrollment = make.enroll(sam, course)
    db.session.commit()
    return course, enrollment, api.token("sam@example.com"), api.token("root@example.com")


def _complete(api, token, enrollment, module, completed=True):
    path = f"/api/progress/mark-completed/{enrollment.id}/{module.id}"
    if completed:
        assert api.post(path, token).status_code == 200
    else:
        assert api.post("/api/progress/bulk", token, json={"items": [
            {"enrollmentId": enrollment.id, "moduleId": module.id, "completed": False}]}).status_code == 200


def _ours(api, token) -> list[str]:
    """The ids of every statement elearn serves, oldest first."""
    body = api.get("/api/xapi/statements", token, query_string={"ascending": "true", "limit": "0"}).get_json()
    return [s["id"] for s in body["statements"]]


def _forward(app):
    """Send the backlog, after any forwarding the commits started in the background."""
    assert app.extensions["elearn.jobs"].wait_idle(60)
    forwarding.forward()
    db.session.commit()


def _state(api, admin):
    response = api.get("/api/admin/xapi", admin)
    assert response.status_code == 200
    return response.get_json()


def test_the_lrs_receives_one_statement_per_change_in_order(app, make, api, lrs):
    course, enrollment, sam, admin = _platform(make, api)
    first, second, third = make.modules(course)
    _complete(api, sam, enrollment, first)
    _complete(api, sam, enrollment, first, completed=False)
    _complete(api, sam, enrollment, first)
    for module in (second, third):
        _complete(api, sam, enrollment, module)
    _forward(app)
    held = lrs.statements(lrs.site)
    assert [s["id"] for s in held] == _ours(api, admin)
    assert len(held) == 9  # 5 module changes, the course, 3 badges
    assert [s["verb"]["display"]["en-US"] for s in held] == [
        "completed", "earned", "progressed", "completed", "completed", "completed", "completed", "earned", "earned"]
    state = _state(api, admin)
    assert state["enabled"] and state["waiting"] == 0 and state["failed"] == 0 and state["lastSuccessAt"]


def test_credentials_in_the_lrs_address_sign_in_and_are_never_shown(app, make, api, lrs, monkeypatch, browser):
    from tests.xapi.conftest import PASSWORD, USER

    monkeypatch.setitem(app.config, "XAPI_LRS_AUTH", None)
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", lrs.url.replace("http://", f"http://{USER}:{PASSWORD}@"))
    course, enrollment, sam, admin = _platform(make, api)
    _complete(api, sam, enrollment, make.modules(course)[0])
    _forward(app)
    assert len(lrs.statements(lrs.site)) == 2  # the module, its badge
    state = _state(api, admin)
    assert state["lrsUrl"] == lrs.url and state["failed"] == 0
    browser.login("root@example.com")
    page = browser.client.get("/admin/xapi").get_data(as_text=True)
    assert lrs.url in page and PASSWORD not in page


def test_an_outage_is_waited_out_and_the_backlog_drains_in_order(app, make, api, lrs):
    course, enrollment, sam, admin = _platform(make, api)
    first, second, third = make.modules(course)
    _complete(api, sam, enrollment, first)
    _forward(app)
    lrs.stop()
    _complete(api, sam, enrollment, second)
    _complete(api, sam, enrollment, second, completed=False)
    _complete(api, sam, enrollment, third)
    _forward(app)
    state = _state(api, admin)
    assert state["waiting"] == 3 and state["retrying"] == 3
    assert "ConnectionRefusedError" in state["lastError"] and state["nextAttemptAt"]
    forwarding.forward()  # before the backoff is over: nothing is tried
    assert db.session.scalar(select(func.max(XapiOutbox.attempts))) == 1

    lrs.start()
    response = api.post("/api/admin/xapi/send-now", admin)
    assert response.status_code == 200
    assert app.extensions["elearn.jobs"].wait_idle(60)
    held = [s["id"] for s in lrs.statements(lrs.site)]
    assert held == _ours(api, admin) and len(held) == 5
    assert _state(api, admin)["waiting"] == 0


def test_a_replay_sends_the_same_ids_and_the_lrs_keeps_one_of_each(app, make, api, lrs):
    course, enrollment, sam, admin = _platform(make, api, modules=2)
    for module in make.modules(course):
        _complete(api, sam, enrollment, module)
    _forward(app)
    before = [s["id"] for s in lrs.statements(lrs.site)]
    now = datetime.now(UTC)
    response = api.post("/api/admin/xapi/replay", admin, json={
        "since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat()})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"queued": 5}  # 2 completions and 3 badges (one makes 2 statements)
    _forward(app)
    assert [s["id"] for s in lrs.statements(lrs.site)] == before and len(before) == 6
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "xapi.replayed"))
    assert entry.details["queued"] == 5
    assert _state(api, admin)["waiting"] == 0


def test_a_statement_the_lrs_holds_in_another_version_counts_as_sent_and_the_rest_go_on(app, make, api, lrs):
    course, enrollment, sam, admin = _platform(make, api, modules=3)
    first, second, third = make.modules(course)
    _complete(api, sam, enrollment, first)
    _forward(app)
    teacher = api.token("teach@example.com")
    assert api.patch(f"/api/courses/{course.id}", teacher, json={"title": "Algebra II"}).status_code == 200
    now = datetime.now(UTC)
    api.post("/api/admin/xapi/replay", admin, json={"since": (now - timedelta(hours=1)).isoformat(),
                                                   "until": now.isoformat()})
    _complete(api, sam, enrollment, second)
    _forward(app)
    # The replayed completion names the course by its new title: the LRS holds its id with
    # the old one and answers 409, so the batch goes again row by row; that row is held (sent,
    # the answer kept), the badge did not change, and the new completion goes.
    state = _state(api, admin)
    assert state["failed"] == 0 and state["waiting"] == 0
    held = db.session.scalar(select(XapiOutbox).where(XapiOutbox.last_error.is_not(None)))
    assert held.sent_at is not None and held.last_error.startswith("409")
    statements = lrs.statements(lrs.site)
    assert len(statements) == 3 and statements[0]["context"]["contextActivities"]["parent"][0]["definition"][
        "name"] == {"und": "Algebra"}


def test_without_an_lrs_nothing_is_queued(app, make, api, monkeypatch, count_queries):
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", None)
    course, enrollment, sam, admin = _platform(make, api)
    _complete(api, sam, enrollment, make.modules(course)[0])
    assert db.session.scalar(select(func.count()).select_from(XapiOutbox)) == 0
    response = api.post("/api/admin/xapi/replay", admin, json={
        "since": "2026-01-01T00:00:00+00:00", "until": "2026-01-02T00:00:00+00:00"})
    assert response.status_code == 409
    assert _state(api, admin)["enabled"] is False


def test_queueing_statements_costs_a_completion_no_round_trip_on_postgresql(app, make, api, lrs, count_queries, db):
    course, enrollment, sam, _admin = _platform(make, api, modules=3)
    first, second, _third = make.modules(course)
    _complete(api, sam, enrollment, first)
    with count_queries() as statements:
        _complete(api, sam, enrollment, second)
    queued = db.session.scalar(select(func.count()).select_from(XapiOutbox))
    assert queued == 3  # two completions and the first-module badge
    if db.engine.dialect.name == "postgresql":
        assert len(statements) == 1  # the write alone, as without forwarding (the sign-in check is cached)


def test_every_kind_of_statement_passes_ralphs_strict_xapi_model(api, tmp_path, monkeypatch, app, make):
    """Ralph's ``BaseXapiStatement`` (xAPI 1.0.3, unknown fields refused), in Ralph's own Python."""
    course, enrollment, sam, admin = _platform(make, api, modules=2)
    first, second = make.modules(course)
    _complete(api, sam, enrollment, first)
    _complete(api, sam, enrollment, first, completed=False)
    assert api.post("/api/progress", sam, json={"enrollmentId": enrollment.id, "moduleId": second.id}).status_code == 201
    _complete(api, sam, enrollment, first)
    _complete(api, sam, enrollment, second)
    for actor in ("account", "mbox"):
        monkeypatch.setitem(app.config, "XAPI_ACTOR", actor)
        statements = api.get("/api/xapi/statements", admin, query_string={"limit": "0"}).get_json()["statements"]
        assert {s["verb"]["display"]["en-US"] for s in statements} == {"initialized", "completed", "progressed", "earned"}
        dump = tmp_path / f"{actor}.json"
        dump.write_text(json.dumps(statements))
        check = ("import json, sys\nfrom ralph.models.xapi.base.statements import BaseXapiStatement\n"
                 "for s in json.load(open(sys.argv[1])): BaseXapiStatement.model_validate(s)\nprint('valid')")
        done = subprocess.run([str(RALPH.parent / "python"), "-c", check, str(dump)], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == "valid", done.stderr[-3000:]


def test_a_statement_the_lrs_refuses_is_set_aside_and_the_rest_go_on(app, make, api, lrs, monkeypatch):
    course, enrollment, sam, admin = _platform(make, api, modules=3)
    first, second, _third = make.modules(course)
    _complete(api, sam, enrollment, first)
    _complete(api, sam, enrollment, second)
    made = forwarding.statement

    def broken(source):  # the second module's statement is one no LRS takes: it has no object
        statement = made(source)
        if source.module_id == second.id:
            del statement["object"]
        return statement

    monkeypatch.setattr(forwarding, "statement", broken)
    _forward(app)
    state = _state(api, admin)
    assert (state["failed"], state["waiting"]) == (1, 0)
    refused = api.get("/api/admin/xapi/refused", admin).get_json()
    assert refused["total"] == 1 and refused["items"][0]["lastError"][:3] in ("400", "422")
    assert refused["items"][0]["email"] == "sam@example.com"
    assert [s["object"]["id"].rsplit("/", 2)[-2:] for s in lrs.statements(lrs.site)] == [
        ["module", str(first.id)], ["badge", "first-module"]]
