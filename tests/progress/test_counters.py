"""The counters progress keeps equal a full recount, whatever the mix and timing of writes,
and a write costs a fixed number of statements."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.db_types import utcnow
from elearn.enrollments.models import Enrollment
from elearn.progress.counters import recount_enrollments, recount_module_stats
from elearn.progress.models import ModuleStats, Progress

from .test_concurrency import _race


def _counters(db):
    enrollments = db.session.execute(
        select(Enrollment.id, Enrollment.completed_count, Enrollment.completed_at, Enrollment.furthest_position)
        .order_by(Enrollment.id)).all()
    modules = db.session.execute(
        select(ModuleStats.module_id, func.sum(ModuleStats.started_count), func.sum(ModuleStats.completed_count),
               func.sum(ModuleStats.completion_seconds))
        .group_by(ModuleStats.module_id).order_by(ModuleStats.module_id)).all()
    return enrollments, [row for row in modules if any(row[1:])]


def assert_counters_equal_a_recount(db, exact_times=True):
    """The kept counters, after checking them against a recount (rolled back). Writes racing
    on one enrollment may finish its course in another order than their clocks, so its
    completion time may then be another of its completions' times: ``exact_times=False``
    compares only whether there is one."""
    db.session.expire_all()
    kept = _counters(db)
    recount_enrollments()
    recount_module_stats()
    rebuilt = _counters(db)
    db.session.rollback()
    if not exact_times:
        kept, rebuilt = (([(e, n, at is not None, f) for e, n, at, f in rows[0]], rows[1]) for rows in (kept, rebuilt))
    assert kept == rebuilt
    return kept


def test_counters_equal_a_recount_after_every_kind_of_write(api, make, db):
    student = make.user(email="s@example.com")
    instructor = make.user("instructor", email="i@example.com")
    course = make.course(instructor, modules=6)
    enrollment = make.enroll(student, course)
    m = [module.id for module in make.modules(course)]
    token, itoken = api.token("s@example.com"), api.token("i@example.com")
    e = enrollment.id

    for module in m[:4]:
        assert api.post(f"/api/progress/mark-completed/{e}/{module}", token).status_code == 200
    records = {r["moduleId"]: r for r in api.get(f"/api/progress/enrollment/{e}", token).get_json()}
    assert api.patch(f"/api/progress/{records[m[3]]['id']}", token, json={"completed": False}).status_code == 200
    enrollments, modules = assert_counters_equal_a_recount(db)
    assert enrollments[0][1] == 3 and enrollments[0][3] == 3, "reopening the furthest module moves it back"

    bulk = api.post("/api/progress/bulk", token, json={"items": [
        {"enrollmentId": e, "moduleId": m[5], "completed": True},
        {"enrollmentId": e, "moduleId": m[0], "completed": False},
        {"enrollmentId": e, "moduleId": m[4], "completed": False},
    ]})
    assert [r["status"] for r in bulk.get_json()["results"]] == ["changed"] * 3
    enrollments, modules = assert_counters_equal_a_recount(db)
    assert enrollments[0][1:2] == (3,) and enrollments[0][3] == 6
    assert api.post("/api/progress", token, json={"enrollmentId": e, "moduleId": m[3]}).status_code == 409

    assert api.patch(f"/api/modules/{m[5]}", itoken, json={"order": 1}).status_code == 200  # moved first
    enrollments, _ = assert_counters_equal_a_recount(db)
    assert enrollments[0][3] == 4, "the furthest module follows a move"
    assert api.delete(f"/api/modules/{m[2]}", itoken).status_code == 204
    enrollments, modules = assert_counters_equal_a_recount(db)
    assert enrollments[0][1] == 2 and m[2] not in [row[0] for row in modules]


def test_a_completion_records_how_long_it_took_and_a_reopen_takes_it_back(api, make, db):
    student = make.user(email="s@example.com")
    course = make.course(modules=1)
    enrollment = make.enroll(student, course)
    module = make.modules(course)[0]
    token = api.token("s@example.com")
    assert api.post("/api/progress", token, json={"enrollmentId": enrollment.id, "moduleId": module.id}).status_code == 201
    db.session.scalar(select(Progress)).started_at = utcnow() - timedelta(minutes=90)
    db.session.commit()
    api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", token)
    db.session.expire_all()
    assert 5390 <= db.session.scalar(select(Progress.completion_seconds)) <= 5410
    (_, modules) = assert_counters_equal_a_recount(db)
    assert modules[0][1:] == (1, 1, db.session.scalar(select(Progress.completion_seconds)))
    api.post("/api/progress/bulk", token, json={"items": [
        {"enrollmentId": enrollment.id, "moduleId": module.id, "completed": False}]})
    (_, modules) = assert_counters_equal_a_recount(db)
    assert modules[0][1:] == (1, 0, 0)


def test_many_learners_completing_and_reopening_at_once_keep_exact_counters(app, api, make, db):
    course = make.course(modules=3)
    modules = make.modules(course)
    learners = []
    for k in range(8):
        learners.append((make.enroll(make.user(email=f"s{k}@example.com"), course).id,
                         api.token(f"s{k}@example.com")))
    jobs = iter([(e, t, m.id) for e, t in learners for m in modules])
    lock = threading.Lock()

    def send(client):
        """Complete, reopen and complete one learner's module, while the others do theirs."""
        with lock:
            e, token, module_id = next(jobs)
        statuses = {client.post("/api/progress/bulk", headers={"Authorization": f"Bearer {token}"}, json={
            "items": [{"enrollmentId": e, "moduleId": module_id, "completed": done}]}).status_code
            for done in (True, False, True)}
        return statuses.pop() if len(statuses) == 1 else statuses

    assert _race(app, 8 * 3, send) == [200] * 24
    enrollments, stats = assert_counters_equal_a_recount(db, exact_times=False)
    assert [row[1:] for row in enrollments] == [(3, True, 3)] * 8
    assert [row[1:3] for row in stats] == [(8, 8)] * 3, "every learner started and completed every module once"


def test_items_naming_the_same_record_leave_it_as_the_last_one_says(api, make, db):
    student = make.user(email="s@example.com")
    course = make.course(modules=2)
    enrollment = make.enroll(student, course)
    first, second = (m.id for m in make.modules(course))
    token = api.token("s@example.com")
    items = [{"enrollmentId": enrollment.id, "moduleId": first, "completed": True},
             {"enrollmentId": enrollment.id, "moduleId": second, "completed": True},
             {"enrollmentId": enrollment.id, "moduleId": first, "completed": False}]
    body = api.post("/api/progress/bulk", token, json={"items": items}).get_json()
    assert [r["status"] for r in body["results"]] == ["unchanged", "changed", "changed"]
    assert body["results"][0]["record"] == body["results"][2]["record"]
    assert body["results"][2]["record"]["completed"] is False
    records = api.get(f"/api/progress/enrollment/{enrollment.id}", token).get_json()
    assert [(r["moduleId"], r["completed"]) for r in records] == [(first, False), (second, True)]
    assert_counters_equal_a_recount(db)


# --- statements per write ---------------------------------------------------------------------

def _statements(count_queries, send, prepares: bool = False):
    with count_queries(prepares) as statements:
        response = send()
    assert response.status_code in (200, 201), response.get_json()
    return statements


@pytest.fixture
def learner(api, make):
    student = make.user(email="s@example.com")
    course = make.course(modules=60)
    return make.enroll(student, course).id, [m.id for m in make.modules(course)], api.token("s@example.com")


def test_a_completion_is_one_statement_after_sign_in_on_postgresql(api, db, learner, count_queries):
    enrollment_id, modules, token = learner
    complete = lambda module: _statements(count_queries, lambda: api.post(  # noqa: E731
        f"/api/progress/mark-completed/{enrollment_id}/{module}", token))
    first = complete(modules[0])
    later = complete(modules[1])
    again = complete(modules[1])
    bulk = lambda items: _statements(count_queries, lambda: api.post("/api/progress/bulk", token, json={  # noqa: E731
        "items": [{"enrollmentId": enrollment_id, "moduleId": m, "completed": done} for m, done in items]}))
    one = bulk([(modules[2], True)])
    many = bulk([(m, k % 3 != 0) for k, m in enumerate(modules[3:53])])
    reopen = bulk([(modules[2], False)])
    if db.engine.dialect.name == "postgresql":
        # The write alone (the sign-in check is cached); the day's first completion adds the
        # badge insert. A connection's first write also prepares it (the test below).
        assert (len(first), len(later), len(again), len(one), len(many), len(reopen)) == (2, 1, 1, 1, 1, 1), first
    else:
        # SQLite runs the write's parts one after another: still a fixed number.
        assert len(many) == len(one) <= 9 and len(later) <= 9, many


def test_on_postgresql_the_write_is_prepared_once_per_connection(api, app, db, learner, count_queries,
                                                                    monkeypatch):
    """``PREPARE`` on a connection's first write, then ``EXECUTE`` by name; a replaced
    connection prepares again; with prepared statements off, the same write goes as text."""
    enrollment_id, modules, token = learner

    def complete(module):
        sent = _statements(count_queries, lambda: api.post(
            f"/api/progress/mark-completed/{enrollment_id}/{module}", token), prepares=True)
        return [statement.split("(")[0].strip() for statement in sent if "elearn_progress_write" in statement
                or statement.startswith("WITH")]

    if db.engine.dialect.name != "postgresql":
        assert complete(modules[0]) == [], "SQLite runs the write's parts one after another, as text"
        return

    db.session.rollback()
    db.engine.dispose()  # every pooled connection replaced: each prepares on its first write
    sent = [complete(module) for module in modules[:4]]
    assert sent[0] == ["PREPARE elearn_progress_write_00", "EXECUTE elearn_progress_write_00"]
    assert all(one[-1] == "EXECUTE elearn_progress_write_00" for one in sent)
    assert sum(one.count("PREPARE elearn_progress_write_00") for one in sent) < len(sent), "once per connection"
    monkeypatch.setitem(app.config, "PREPARED_STATEMENTS", False)
    assert complete(modules[4]) == ["WITH checked AS"]
    progress = api.get(f"/api/progress/course/{enrollment_id}", token).get_json()
    assert progress["completedModules"] == 5 and [m["completed"] for m in progress["modules"][:6]] == [
        True, True, True, True, True, False]


def test_prepared_statements_can_be_turned_off_for_poolers(monkeypatch):
    from elearn.config import load_config

    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    assert load_config("/tmp")["PREPARED_STATEMENTS"] is False
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "sometimes")
    with pytest.raises(RuntimeError, match="DATABASE_PREPARED_STATEMENTS must be 1 or 0"):
        load_config("/tmp")


def test_a_prepared_write_that_went_stale_replaces_its_connection(db, make):
    """Should the statement stop working on a connection (a migration changed the columns
    under it), that write fails, its connection is replaced, and the next write prepares
    it again."""
    from sqlalchemy.exc import DBAPIError

    from elearn.progress import writes

    if db.engine.dialect.name != "postgresql":
        return
    student = make.user()
    course = make.course(modules=3)
    enrollment_id, modules = make.enroll(student, course).id, [m.id for m in make.modules(course)]
    db.session.commit()
    connection = db.session.connection()  # one transaction from here: the same connection throughout
    writes.mark_module_completed(student, enrollment_id, modules[0])
    db.session.execute(db.text("DEALLOCATE ALL"))  # what it prepared is gone from this connection
    with pytest.raises(DBAPIError):
        writes.mark_module_completed(student, enrollment_id, modules[1])
    assert connection.invalidated
    db.session.rollback()
    assert db.session.get(Enrollment, enrollment_id).completed_count == 0, "nothing half-written"
    for module in modules[:2]:
        writes.mark_module_completed(student, enrollment_id, module)
    db.session.commit()
    assert db.session.get(Enrollment, enrollment_id).completed_count == 2


def test_a_write_marks_its_transaction_so_the_request_reads_its_own_writes(make, db):
    """On PostgreSQL the write is a SELECT whose WITH writes: it still steps the cache aside."""
    from elearn.events import wrote_in_transaction
    from elearn.progress import writes

    student = make.user()
    course = make.course(modules=1)
    enrollment_id, module_id = make.enroll(student, course).id, make.modules(course)[0].id
    db.session.commit()
    assert not wrote_in_transaction()
    writes.mark_module_completed(student, enrollment_id, module_id)
    assert wrote_in_transaction()
    db.session.rollback()
