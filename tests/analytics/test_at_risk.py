"""Learners at risk, on a hand-built course with known answers.

A course of 4 modules, every at-risk window 14 days. Times are pinned relative to ``now``:

| learner | enrolled | done | last activity | expected |
|---|---|---|---|---|
| Ana | 12 d | 4 (course finished) | 2 d | none: finished |
| Ben | 40 d | 2 | 20 d | inactive (14-day window), usually a module every 10 days |
| Cleo | 10 d | 3 | 6 d | inactive: 3 x her usual 1.3 days per module |
| Dan | 3 d | 0, module 1 open 2 d | 2 d | stalled: 80% finished module 1 within 1 hour |
| Eve | 40 d | 0 | never | not started |
| Fay | 2 d | 0 | never | none: new |
| Gus | 20 d | 1 | 1 d | behind pace: Hal and Ivy, enrolled as long, have 3 |
| Hal, Ivy | 20 d, 25 d | 3 | 1 d | none |

Module 1 took every finisher 1 hour except Ana (10 hours): its 80th percentile is 1 hour.
"""
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import event, select

from elearn.analytics import at_risk
from elearn.auth.models import User
from elearn.cache import refresh
from elearn.catalog.models import Course
from elearn.db_types import utcnow
from elearn.enrollments.models import Enrollment
from elearn.extensions import db
from elearn.progress import writes
from elearn.progress.models import Progress
from elearn.progress.pace import predicted_completion

PLAN = {  # name: (enrolled days ago, modules completed, last activity days ago or None)
    "ana": (12, 4, 2), "ben": (40, 2, 20), "cleo": (10, 3, 6), "dan": (3, 0, 2), "eve": (40, 0, None),
    "fay": (2, 0, None), "gus": (20, 1, 1), "hal": (20, 3, 1), "ivy": (25, 3, 1),
}


@pytest.fixture
def course(make):
    ada = make.user("instructor", email="ada@example.com")
    course = make.course(ada, modules=4, title="Signals")
    modules = make.modules(course)
    people = {}
    for name, (_, done, _) in PLAN.items():
        people[name] = make.user(email=f"{name}@example.com", name=name.title())
        make.complete(make.enroll(people[name], course), done)
    writes.start_module(people["dan"], _enrollment(course, people["dan"]).id, modules[0].id)
    db.session.commit()
    now = utcnow()
    for name, (enrolled, done, last) in PLAN.items():
        enrollment = _enrollment(course, people[name])
        enrollment.enrolled_at = now - timedelta(days=enrolled)
        enrollment.last_activity_at = None if last is None else now - timedelta(days=last)
        enrollment.completed_at = now - timedelta(days=2) if done == 4 else None
        for record in db.session.scalars(select(Progress).where(Progress.enrollment_id == enrollment.id)):
            record.started_at = now - timedelta(days=2 if name == "dan" else last or 0)
            if record.completed:
                record.completion_seconds = 36_000 if name == "ana" and record.module_id == modules[0].id else 3600
    db.session.commit()
    return course


def _enrollment(course, user):
    return db.session.scalar(select(Enrollment).filter_by(course_id=course.id, user_id=user.id))


def _ada():
    return db.session.scalar(select(User).filter_by(email="ada@example.com"))


def _by_name(page):
    return {item.name: item for item in page.items}


def test_each_signal_fires_for_its_learner_and_no_other(course):
    ada = _ada()
    page = at_risk.at_risk_learners(ada, course.id)
    found = {name: [s.code for s in item.signals] for name, item in _by_name(page).items()}
    assert found == {"Ben": ["inactive"], "Cleo": ["inactive"], "Dan": ["stalled"], "Eve": ["not_started"],
                     "Gus": ["behind_pace"]}
    assert page.total == 5
    assert [item.name for item in page.items] == ["Eve", "Ben", "Cleo", "Dan", "Gus"], "the longest idle first"


def test_signals_say_why_in_words(course):
    ada = _ada()
    words = {name: item.signals[0].message for name, item in _by_name(at_risk.at_risk_learners(ada, course.id)).items()}
    assert words["Ben"] == "No activity for 20 days; usually a module every 10 days"
    assert words["Cleo"] == "No activity for 6 days; usually a module every 1 day"
    assert words["Dan"] == "On “Module 1” for 2 days; 80% of those who finished it took under 1 hour"
    assert words["Eve"] == "Enrolled 40 days ago and has not started"
    assert words["Gus"] == "1 of 4 modules done; learners enrolled as long have done 3"


def test_a_longer_window_spares_the_merely_quiet(course):
    ada = _ada()
    course.at_risk_after_days = 60
    db.session.commit()
    found = {name: [s.code for s in item.signals] for name, item in _by_name(at_risk.at_risk_learners(ada, course.id)).items()}
    assert "Eve" not in found and "Ben" not in found, "within 60 days of silence"
    assert found["Cleo"] == ["inactive"], "unusual for her whatever the window"


def test_in_progress_learners_get_a_predicted_finish_from_their_own_pace(course):
    ada = _ada()
    items = _by_name(at_risk.at_risk_learners(ada, course.id))
    now = utcnow()
    # Ben: 2 modules in the 40 days since enrolling (his pause counts), 20 days each, 2 to go.
    assert abs((items["Ben"].predicted_completion_at - now) - timedelta(days=40)) < timedelta(minutes=5)
    # Eve has no pace of her own: the course's median learner's (Cleo 1.3, Hal 6.3, Ivy 8 days a module).
    assert abs((items["Eve"].predicted_completion_at - now) - timedelta(days=4 * 19 / 3)) < timedelta(hours=1)


def test_the_api_lists_them_paginated_with_signals(course, api):
    token = api.token("ada@example.com")
    body = api.get(f"/api/analytics/courses/{course.id}/at-risk?perPage=2", token).get_json()
    assert body["total"] == 5 and len(body["items"]) == 2
    eve = body["items"][0]
    assert set(eve) >= {"enrollmentId", "userId", "email", "name", "percentage", "lastActivityAt",
                        "predictedCompletionAt", "signals"}
    assert eve["email"] == "eve@example.com" and eve["lastActivityAt"] is None
    assert eve["signals"] == [{"code": "not_started", "message": "Enrolled 40 days ago and has not started",
                               "since": eve["signals"][0]["since"]}]
    student = api.token("gus@example.com")
    assert api.get(f"/api/analytics/courses/{course.id}/at-risk", student).status_code == 403


def test_statements_do_not_grow_with_the_class(course, make, count_queries):
    ada = _ada()
    at_risk.at_risk_learners(ada, course.id)  # baselines cached

    def statements():
        db.session.expire_all()
        with count_queries() as sent:
            at_risk.at_risk_learners(ada, course.id)
        return len(sent)

    few = statements()
    for _ in range(12):
        enrollment = make.enroll(make.user(), course)
        enrollment.enrolled_at = utcnow() - timedelta(days=30)
    db.session.commit()
    assert statements() == few <= 7



def test_the_course_page_shows_who_needs_attention_and_the_list_filters_them(course, browser):
    browser.login("ada@example.com")
    html = browser.client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert 'Needs attention <span class="muted">(5)</span>' in html  # the panel fetches its learners
    assert f'hx-get="/teach/courses/{course.id}/at-risk?panel=true"' in html
    listed = browser.client.get(f"/teach/courses/{course.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'At risk <span class="count">5</span>' in listed  # the list's filters, fetched when scrolled to
    html = browser.client.get(f"/teach/courses/{course.id}/at-risk?panel=true",
                              headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'Needs attention <span class="muted">(5)</span>' in html
    assert "No activity for 20 days; usually a module every 10 days" in html
    assert "See all" not in html, "all five fit in the panel"
    listed = browser.client.get(f"/teach/courses/{course.id}?status=at-risk&sort=name",
                                headers={"HX-Request": "true"}).get_data(as_text=True)
    names = [name for name in ("Ana", "Ben", "Cleo", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy") if f">{name}</a>" in listed]
    assert names == ["Ben", "Cleo", "Dan", "Eve", "Gus"]
    page = browser.client.get(f"/teach/courses/{course.id}/at-risk").get_data(as_text=True)
    assert "<h1>Learners who need attention in Signals</h1>" in page
    assert page.count('<li class="signal signal-') == 5
    panel = browser.client.get(f"/teach/courses/{course.id}/at-risk?panel=true",
                               headers={"HX-Request": "true"}).get_data(as_text=True)
    assert panel.lstrip().startswith('<section id="at-risk"') and "<h1>" not in panel


def test_a_learner_sees_when_they_will_finish_at_their_pace(course, browser):
    browser.login("ben@example.com")
    html = browser.client.get(f"/courses/{course.id}").get_data(as_text=True)
    finish = (utcnow() + timedelta(days=40)).strftime("%b %-d, %Y")
    assert f"At your pace you’ll finish around {finish}." in html


def test_no_prediction_once_finished_or_for_an_empty_course():
    now = utcnow()
    assert predicted_completion(enrolled_at=now, last_activity_at=now, completed=4, total=4, now=now,
                                course_seconds_per_module=60) is None
    assert predicted_completion(enrolled_at=now, last_activity_at=None, completed=0, total=0, now=now,
                                course_seconds_per_module=60) is None
    # Two modules in a minute is not a pace to promise: at most one module an hour.
    assert predicted_completion(enrolled_at=now - timedelta(minutes=1), last_activity_at=now, completed=2,
                                total=4, now=now, course_seconds_per_module=60) == now + timedelta(hours=2)


def test_the_job_keeps_the_baselines_so_a_reader_computes_none(course, count_queries):
    ada = _ada()
    wrong = {"stalled_after": {}, "median_by_band": {}}  # (as if kept before anyone stalled)
    refresh(at_risk.baselines_entry(course), lambda: wrong, ttl=at_risk.BASELINE_TTL)
    found = {name: [s.code for s in item.signals] for name, item in _by_name(at_risk.at_risk_learners(ada, course.id)).items()}
    assert "Dan" not in found and "Gus" not in found, "readers use what is kept"

    assert at_risk.count_every_course() == 1
    db.session.commit()  # (as the job runner does)
    assert db.session.get(Course, course.id).at_risk_count == 5
    with current_app.test_request_context(), count_queries() as sent:  # (a request of its own)
        page = at_risk.at_risk_learners(ada, course.id)
    assert {name: [s.code for s in item.signals] for name, item in _by_name(page).items()}["Dan"] == ["stalled"]
    assert _by_name(page)["Gus"].signals[0].code == "behind_pace", "the job computed them afresh"
    assert not [s for s in sent if "percentile" in s.lower()], "and the reader computed neither baseline nor pace"


def test_a_page_is_read_in_order_from_the_unfinished_enrollments_index(course, make, db):
    """No sort of the class's learners at risk: the page walks ix_enrollments_course_unfinished
    and stops at its last row; on PostgreSQL the count and the stalled check read indexes alone."""
    ada = _ada()
    for _ in range(30):  # (enough rows for the planner to prefer the index to a scan and sort)
        make.enroll(make.user(), course).enrolled_at = utcnow() - timedelta(days=30)
    db.session.commit()
    at_risk.at_risk_learners(ada, course.id)  # baselines kept
    sent = []

    def record(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        at_risk.at_risk_learners(ada, course.id, per_page=2)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    page = next((s, p) for s, p in sent if "LIMIT" in s and "coalesce" in s.lower())
    count = next((s, p) for s, p in sent if s.lstrip().upper().startswith("SELECT COUNT"))
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = "\n".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {page[0]}", page[1]))
            # (one sort at most: the page's own rows again, once joined to their users)
            assert "USING INDEX ix_enrollments_course_unfinished" in plan and plan.count("FOR ORDER BY") <= 1, plan
            return
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE enrollments")
        conn.exec_driver_sql("VACUUM ANALYZE progress")
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_bitmapscan = off")
        page_plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {page[0]}", page[1]))
        count_plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {count[0]}", count[1]))
    assert "Scan using ix_enrollments_course_unfinished" in page_plan and "Sort" not in page_plan, page_plan
    assert "Index Only Scan using ix_enrollments_course_unfinished" in count_plan, count_plan
    assert "Index Only Scan using ix_progress_open_started" in count_plan, count_plan
