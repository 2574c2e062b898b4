"""Completion that follows what the learner did: views, played ranges, and the module's rule."""
import re

import pytest
from sqlalchemy import select

from elearn.enrollments.models import Enrollment
from elearn.extensions import db
from elearn.progress.content_views import merge_ranges
from elearn.progress.models import Progress


@pytest.mark.parametrize("ranges, duration, merged", [
    ([[0, 10], [5, 20]], None, [[0, 20]]),
    ([[30, 40], [0, 10]], None, [[0, 10], [30, 40]]),
    ([[0, 10], [10.3, 20]], None, [[0, 20]]),  # a gap under half a second is one range
    ([[-5, 10], [95, 130]], 100, [[0, 10], [95, 100]]),
    ([[10, 5], [3, 3]], None, []),
])
def test_played_ranges_merge(ranges, duration, merged):
    assert merge_ranges(ranges, duration) == merged


@pytest.fixture
def lesson(make, api):
    teacher = make.user("instructor", email="teach@example.com")
    course = make.course(teacher, modules=2, title="Film")
    first, second = make.modules(course)
    token = api.token("teach@example.com")
    video = api.post(f"/api/modules/{first.id}/contents", token, json={
        "title": "Opening scene", "type": "video", "url": "https://media.example.com/opening.mp4"}).get_json()
    notes = api.post(f"/api/modules/{first.id}/contents", token, json={
        "title": "Notes", "type": "text", "body": "# Shots\n\nWide, then *close*."}).get_json()
    sam = make.user(email="sam@example.com")
    enrollment = make.enroll(sam, course)
    return {"course": course, "module": first, "other": second, "video": video, "notes": notes,
            "enrollment": enrollment, "teacher": token, "learner": api.token("sam@example.com")}


def _view(api, lesson, content, **body):
    response = api.post(f"/api/contents/{content['id']}/views", lesson["learner"],
                        json={"enrollmentId": lesson["enrollment"].id, **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _rule(api, lesson, rule, percent=None):
    body = {"completionRule": rule, **({"watchPercent": percent} if percent else {})}
    response = api.patch(f"/api/modules/{lesson['module'].id}", lesson["teacher"], json=body)
    assert response.status_code == 200 and response.get_json()["completionRule"] == rule


def test_watching_ninety_percent_completes_the_module_by_itself(api, lesson):
    _rule(api, lesson, "watch", 90)
    state = _view(api, lesson, lesson["video"], playedRanges=[[0, 50]], duration=100)
    assert state == {"contentId": lesson["video"]["id"], "watchedPercent": 50.0,
                     "module": {"moduleId": lesson["module"].id, "completed": False, "completedBy": None}}
    state = _view(api, lesson, lesson["video"], playedRanges=[[0, 45], [48, 91]], duration=100)
    assert state["watchedPercent"] == 91.0 and state["module"] == {
        "moduleId": lesson["module"].id, "completed": True, "completedBy": "rule"}
    record = db.session.scalar(select(Progress).where(Progress.module_id == lesson["module"].id))
    assert record.completed and record.completed_by == "rule"
    enrollment = db.session.get(Enrollment, lesson["enrollment"].id)
    db.session.refresh(enrollment)
    assert enrollment.completed_count == 1


def test_seeking_to_the_end_without_playing_does_not_complete(api, lesson):
    _rule(api, lesson, "watch")
    state = _view(api, lesson, lesson["video"], playedRanges=[[0, 2], [97, 100]], duration=100)
    assert state["watchedPercent"] == 5.0 and state["module"]["completed"] is False
    again = _view(api, lesson, lesson["video"], playedRanges=[[0, 2], [97, 100]], duration=100)
    assert again["watchedPercent"] == 5.0  # a repeated report counts once


def test_opening_every_content_completes_a_view_module(api, lesson):
    _rule(api, lesson, "view")
    assert _view(api, lesson, lesson["notes"])["module"]["completed"] is False
    assert _view(api, lesson, lesson["video"])["module"] == {
        "moduleId": lesson["module"].id, "completed": True, "completedBy": "rule"}


def test_a_manual_module_completes_only_by_the_learner(api, lesson):
    state = _view(api, lesson, lesson["video"], playedRanges=[[0, 100]], duration=100)
    assert state["watchedPercent"] == 100.0 and state["module"]["completed"] is False
    api.post(f"/api/progress/mark-completed/{lesson['enrollment'].id}/{lesson['module'].id}", lesson["learner"])
    assert _view(api, lesson, lesson["notes"])["module"] == {
        "moduleId": lesson["module"].id, "completed": True, "completedBy": "learner"}


def test_views_of_someone_elses_enrollment_or_another_course_change_nothing(api, lesson, make):
    make.user(email="kim@example.com")
    kim = api.token("kim@example.com")
    response = api.post(f"/api/contents/{lesson['video']['id']}/views", kim,
                        json={"enrollmentId": lesson["enrollment"].id, "playedRanges": [[0, 100]], "duration": 100})
    assert response.status_code == 404
    elsewhere = make.course(make.user("instructor"), modules=1)
    mine = make.enroll(make.user(email="lee@example.com"), elsewhere)  # Lee's course is not the video's
    lee = api.token("lee@example.com")
    response = api.post(f"/api/contents/{lesson['video']['id']}/views", lee,
                        json={"enrollmentId": mine.id, "playedRanges": [[0, 100]], "duration": 100})
    assert response.status_code == 404
    from elearn.progress.models import ContentView
    assert db.session.scalar(select(ContentView.id)) is None


@pytest.mark.parametrize("body", [
    {"playedRanges": [[0, 10, 20]]},
    {"playedRanges": [["a", 1]]},
    {"duration": -1},
    {"playedRanges": [[0, 1e9]]},
])
def test_bad_reports_are_refused(api, lesson, body):
    response = api.post(f"/api/contents/{lesson['video']['id']}/views", lesson["learner"],
                        json={"enrollmentId": lesson["enrollment"].id, **body})
    assert response.status_code == 422


def test_a_markdown_lesson_is_shown_sanitised(api, lesson, browser):
    evil = api.post(f"/api/modules/{lesson['module'].id}/contents", lesson["teacher"], json={
        "title": "Evil", "type": "text",
        "body": "Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"})
    assert evil.status_code == 201 and evil.get_json()["url"] is None
    browser.login("sam@example.com")
    html = browser.client.get(f"/courses/{lesson['course'].id}").get_data(as_text=True)
    assert "<h3>Shots</h3>" in html and "<em>close</em>" in html
    lesson_html = html[html.index('<div class="lesson"><p>Hi'):]
    lesson_html = lesson_html[:lesson_html.index("</div>")]
    assert "<script" not in lesson_html and 'href="javascript' not in lesson_html
    assert not re.search(r"<img[^>]*onerror", lesson_html)  # the tag is text now: &lt;img …&gt;
    refused = api.post(f"/api/modules/{lesson['module'].id}/contents", lesson["teacher"],
                       json={"title": "Empty", "type": "text", "body": "  "})
    assert refused.status_code == 422 and "body" in refused.get_json()["error"]["details"]


def test_the_instructor_sees_which_completions_were_automatic(api, lesson, browser):
    _rule(api, lesson, "view")
    _view(api, lesson, lesson["notes"])
    _view(api, lesson, lesson["video"])
    api.post(f"/api/progress/mark-completed/{lesson['enrollment'].id}/{lesson['other'].id}", lesson["learner"])
    progress = api.get(f"/api/progress/course/{lesson['course'].id}", lesson["learner"]).get_json()
    assert [m["completedBy"] for m in progress["modules"]] == ["rule", "learner"]
    browser.login("teach@example.com")
    page = browser.client.get(f"/teach/courses/{lesson['course'].id}/students/{lesson['enrollment'].id}")
    assert page.get_data(as_text=True).count('data-testid="completed-by-rule"') == 1


def test_the_authoring_form_adds_a_lesson_with_its_address_field_left_empty(make, browser, lesson):
    """The page's content form sends every field: an empty address is no address (a lesson has none)."""
    browser.login("teach@example.com")
    answer = browser.post(f"/teach/modules/{lesson['module'].id}/contents",
                          {"title": "Shot list", "type": "text", "url": "", "body": "1. Wide\n2. Close"})
    assert answer.status_code == 303
    from elearn.catalog.models import Content
    added = db.session.scalar(select(Content).where(Content.title == "Shot list"))
    assert (added.type, added.url, added.body) == ("text", None, "1. Wide\n2. Close")
