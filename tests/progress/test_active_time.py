"""Active time: heartbeats add the time between them, capped, and nothing after a gap."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.db_types import utcnow
from elearn.errors import Invalid
from elearn.extensions import db
from elearn.progress import active_time, writes
from elearn.progress.models import Progress


@pytest.fixture
def learner(make):
    student = make.user(email="s@example.com")
    course = make.course(modules=3, title="Algebra")
    enrollment = make.enroll(student, course)
    modules = make.modules(course)
    writes.start_module(student, enrollment.id, modules[0].id)
    db.session.commit()
    return student, course, enrollment, modules


def _active(enrollment, module):
    db.session.expire_all()
    return db.session.scalar(select(Progress.active_seconds).filter_by(enrollment_id=enrollment.id,
                                                                        module_id=module.id))


def _beats(student, enrollment, module, offsets):
    start = utcnow()
    for seconds in offsets:
        active_time.record_heartbeat(student, enrollment.id, module.id, now=start + timedelta(seconds=seconds))
    db.session.commit()


def test_an_active_page_adds_the_time_between_heartbeats(learner):
    student, _course, enrollment, modules = learner
    # The first beat only starts the clock; then 30 + 30 + 10 s; a 130 s gap (idle or hidden
    # page) adds nothing; then 30 more.
    _beats(student, enrollment, modules[0], [0, 30, 60, 70, 200, 230])
    assert _active(enrollment, modules[0]) == 100


def test_beats_faster_than_time_add_only_the_time_that_passed(learner):
    student, _course, enrollment, modules = learner
    _beats(student, enrollment, modules[0], list(range(11)))
    assert _active(enrollment, modules[0]) == 10, "eleven beats a second apart: ten seconds"


def test_a_long_silence_adds_at_most_one_beat_never_the_whole_gap(learner):
    student, _course, enrollment, modules = learner
    _beats(student, enrollment, modules[0], [0, 44, 3600])
    assert _active(enrollment, modules[0]) == 30, "44 s after a beat counts 30; an hour later counts nothing"


def test_a_module_not_started_keeps_no_time_and_another_course_is_refused(learner, make):
    student, _course, enrollment, modules = learner
    _beats(student, enrollment, modules[1], [0, 30])
    assert _active(enrollment, modules[1]) is None
    other = make.modules(make.course(modules=1))[0]
    with pytest.raises(Invalid):
        active_time.record_heartbeat(student, enrollment.id, other.id)


def test_the_api_takes_heartbeats_and_reports_active_seconds(learner, api, make):
    student, _course, enrollment, modules = learner
    token = api.token("s@example.com")
    body = {"enrollmentId": enrollment.id, "moduleId": modules[0].id}
    assert api.post("/api/progress/heartbeat", token, json=body).status_code == 204
    assert api.post("/api/progress/heartbeat", token, json=body).status_code == 204
    records = api.get(f"/api/progress/enrollment/{enrollment.id}", token).get_json()
    assert [r["activeSeconds"] for r in records] == [0], "two beats a moment apart: under a second"
    make.user(email="other@example.com")
    stranger = api.token("other@example.com")
    assert api.post("/api/progress/heartbeat", stranger, json=body).status_code == 404
    assert api.post("/api/progress/heartbeat", token, json={"enrollmentId": enrollment.id}).status_code == 422


def test_the_course_page_heartbeat_needs_its_csrf_token(learner, browser):
    _student, course, _enrollment, modules = learner
    browser.login("s@example.com")
    path = f"/courses/{course.id}/modules/{modules[0].id}/heartbeat"
    assert browser.client.post(path).status_code == 400
    token = browser.csrf(f"/courses/{course.id}")
    assert browser.client.post(path, headers={"X-CSRFToken": token}).status_code == 204
    html = browser.client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert f'data-heartbeat="{path}"' in html


def test_instructors_see_the_median_active_time_beside_calendar_time(learner, make, browser):
    student, course, enrollment, modules = learner
    _beats(student, enrollment, modules[0], [0, 30, 60, 90, 120])  # 2 minutes
    for minutes in (4, 10):
        other = make.user()
        mine = make.enroll(other, course)
        writes.start_module(other, mine.id, modules[0].id)
        db.session.commit()
        _beats(other, mine, modules[0], [30 * k for k in range(minutes * 2 + 1)])
    browser.login(db.session.get(type(student), course.instructor_id).email)
    html = browser.client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert 'data-label="Median active time">4 min</td>' in html, "the median of 2, 4 and 10 minutes"


def test_a_heartbeat_is_one_statement(learner, api, count_queries):
    _student, _course, enrollment, modules = learner
    token = api.token("s@example.com")
    body = {"enrollmentId": enrollment.id, "moduleId": modules[0].id}
    with count_queries() as sent:
        assert api.post("/api/progress/heartbeat", token, json=body).status_code == 204
    assert len(sent) == 1, "the UPDATE alone: the sign-in check is cached"
