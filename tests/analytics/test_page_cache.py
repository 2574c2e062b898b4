"""The instructor's course page, kept whole for its reader: a warm visit sends no SQL and
makes one Redis round trip, and nothing it shows outlives a change."""
import re
import time
import uuid

import pytest

from elearn.auth.models import User
from elearn.extensions import db
from elearn.messages import service as messages
from tests.conftest import CSRF_RE, Browser, build_app, record_cache_commands

UNREAD_RE = re.compile(r'<a id="inbox-link"[^>]*>Inbox(?: <span class="count"[^>]*>(\d+)</span>)?</a>')


def _page(browser, course_id, **kwargs) -> str:
    response = browser.client.get(f"/teach/courses/{course_id}", **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _without_tokens(html: str) -> str:
    """The page without its CSRF tokens (each carries the second it was signed)."""
    return re.sub(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]+"', r"\1", html)


def _unread(html: str) -> int:
    return int(UNREAD_RE.search(html).group(1) or 0)


def test_a_warm_visit_sends_no_sql(browser, issue, count_queries):
    browser.login("ada@example.com")
    first = _page(browser, issue.course.id)
    with count_queries() as sent:
        again = _page(browser, issue.course.id)
    assert sent == []
    assert _without_tokens(again) == _without_tokens(first)
    assert 'data-testid="total-enrollments">4<' in again


def test_a_large_class_page_is_kept_through_its_courses_changes_for_half_a_minute(
        browser, issue, make, monkeypatch, count_queries):
    """A large course changes every second: its page is kept until the catalog or a name
    changes, for half a minute at most (the live view pushes the current figures as soon as
    the page connects). A class's page follows every change (the tests above)."""
    from elearn.analytics import service, views

    monkeypatch.setattr(service, "LARGE_CLASS", 4)  # the course has 4 enrollments
    # Ten seconds stand in for the half minutes (the visit after the write comes well within).
    monkeypatch.setattr(service, "LARGE_CLASS_TTL", 10)
    monkeypatch.setattr(views, "STUDENT_LIST_TTL", 10)
    browser.login("ada@example.com")
    course_id = issue.course.id
    assert 'data-testid="completed-enrollments">1<' in _page(browser, course_id)
    make.complete(issue.enrollments["ben"], 4)
    with count_queries() as sent:
        kept = _page(browser, course_id)
    assert sent == [] and 'data-testid="completed-enrollments">1<' in kept
    deadline = time.monotonic() + 60
    while 'data-testid="completed-enrollments">2<' not in _page(browser, course_id):
        assert time.monotonic() < deadline, "the page caught up once its time was up"
        time.sleep(0.2)


def test_an_address_with_a_query_is_rendered_afresh(browser, issue, count_queries):
    browser.login("ada@example.com")
    _page(browser, issue.course.id, query_string={"sort": "name"})
    with count_queries() as sent:
        html = _page(browser, issue.course.id, query_string={"sort": "name"})
    assert sent, "not kept: a reader could fill the cache with addresses"
    assert f'name="next" value="/teach/courses/{issue.course.id}?sort=name"' in html


def test_only_the_canonical_address_is_kept(browser, issue, count_queries):
    """``/teach/courses/0007`` is the same page: served, never kept, so a reader cannot
    fill the cache by spelling one address many ways."""
    browser.login("ada@example.com")
    padded = f"/teach/courses/000{issue.course.id}"
    assert "Hand-computed" in browser.client.get(padded).get_data(as_text=True)
    with count_queries() as sent:
        assert browser.client.get(padded).status_code == 200
    assert sent, "rendered again"


def test_each_browser_gets_its_own_csrf_token_and_it_works(app, browser, issue):
    """The kept page is joined with the asking session's token: another browser of the same
    instructor has another session, whose forms must still post."""
    other = Browser(app.test_client())
    for reader in (browser, other):
        reader.login("ada@example.com")
    tokens = []
    for reader in (browser, other, browser, other):
        html = _page(reader, issue.course.id)
        found = set(CSRF_RE.findall(html)) | set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
        assert len(found) == 1, "every form of a page carries the same token"
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]
    for reader, token in ((browser, tokens[2]), (other, tokens[3])):
        answer = reader.client.post("/language", data={"lang": "es", "next": "/teach",
                                                       "csrf_token": token})
        assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    assert browser.client.post("/language", data={"lang": "es", "next": "/teach", "csrf_token": tokens[3]}
                               ).status_code == 400, "another session's token is refused"


def test_the_header_follows_the_inbox_and_the_account(browser, issue):
    browser.login("ada@example.com")
    html = _page(browser, issue.course.id)
    assert _unread(html) == 0 and ">Ada Lovelace <small" in html
    notice = messages.notify(issue.instructor.id, subject="Hello", body="Welcome")
    db.session.commit()
    assert _unread(_page(browser, issue.course.id)) == 1
    messages.open_message(db.session.get(User, issue.instructor.id), notice.id)
    db.session.commit()
    assert _unread(_page(browser, issue.course.id)) == 0
    db.session.get(User, issue.instructor.id).name = "Ada King"
    db.session.commit()
    assert ">Ada King <small" in _page(browser, issue.course.id)


def test_progress_shows_at_the_next_visit(browser, issue, make):
    browser.login("ada@example.com")
    assert 'data-testid="completed-enrollments">1<' in _page(browser, issue.course.id)
    make.complete(issue.enrollments["ben"], 3)
    make.complete(issue.enrollments["ben"], 4)
    html = _page(browser, issue.course.id)
    assert 'data-testid="completed-enrollments">2<' in html


def test_a_learner_renamed_keeps_the_page_and_shows_in_its_list(browser, issue, count_queries):
    """The page names no learner (its list is fetched when scrolled to): a rename anywhere
    on the platform keeps it, and the list shows the new name."""
    browser.login("ada@example.com")
    course_id = issue.course.id
    _page(browser, course_id)
    db.session.get(User, issue.enrollments["cleo"].user_id).name = "Cleopatra Learner"
    db.session.commit()
    with count_queries() as sent:
        _page(browser, course_id)
    assert sent == []
    listed = browser.client.get(f"/teach/courses/{course_id}", headers={"HX-Request": "true"})
    assert "Cleopatra Learner" in listed.get_data(as_text=True)


def test_a_demoted_instructor_gets_no_kept_page(browser, issue):
    browser.login("ada@example.com")
    _page(browser, issue.course.id)
    db.session.get(User, issue.instructor.id).role = "student"
    db.session.commit()
    assert browser.client.get(f"/teach/courses/{issue.course.id}").status_code == 403


def test_another_instructor_is_refused_after_the_owner_was_served(app, browser, issue, make):
    browser.login("ada@example.com")
    _page(browser, issue.course.id)
    make.user("instructor", email="bob@example.com")
    bob = Browser(app.test_client())
    bob.login("bob@example.com")
    assert bob.client.get(f"/teach/courses/{issue.course.id}").status_code == 403


def test_each_language_is_kept_apart(browser, issue):
    browser.login("ada@example.com")
    assert "Needs attention" in _page(browser, issue.course.id)
    spanish = _page(browser, issue.course.id, headers={"Accept-Language": "es"})
    assert "Needs attention" not in spanish and 'lang="es"' in spanish


def _signed_in_process(redis_url, backend, monkeypatch):
    """A process on Redis, the course's instructor signed in to it, and the commands its
    cache sends (``record_cache_commands``)."""
    process = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=f"elearn:test:{uuid.uuid4().hex}")
    reader = Browser(process.test_client())
    reader.login("ada@example.com")
    return process, reader, record_cache_commands(process, monkeypatch)


@pytest.mark.redis
def test_a_warm_visit_is_one_round_trip_to_redis(make, issue, redis_url, backend, monkeypatch):
    """The sign-in check and the kept page are fetched together, in one MGET."""
    process, reader, commands = _signed_in_process(redis_url, backend, monkeypatch)
    first = _page(reader, issue.course.id)
    commands.clear()
    assert _without_tokens(_page(reader, issue.course.id)) == _without_tokens(first)
    assert [args[0] for args in commands] == ["MGET"]
    with process.app_context():
        db.engine.dispose()


@pytest.mark.redis
@pytest.mark.parametrize("large", [False, True], ids=["class", "large class"])
def test_a_page_rendered_again_reads_its_figures_in_one_round_trip(make, issue, redis_url, backend, monkeypatch,
                                                                   large):
    """After the course changes, the page finds its figures and fragments stale with one
    lookup (after the sign-in check's), then stores what it rendered: no lookup per figure.
    So does its student list, fetched when scrolled to."""
    from elearn.analytics import service

    if large:
        monkeypatch.setattr(service, "LARGE_CLASS", 4)  # the course has 4 enrollments
    process, reader, commands = _signed_in_process(redis_url, backend, monkeypatch)
    client = process.extensions["elearn.cache"].client
    assert 'data-testid="completed-enrollments">1<' in _page(reader, issue.course.id)
    make.complete(issue.enrollments["ben"], 4)
    client.delete(*client.keys(f"{process.config['EVENT_CHANNEL']}:cache:page:*"))  # a large class keeps its page
    process.extensions["elearn.cache"].bump([f"gen:course:{issue.course.id}"])
    commands.clear()
    html = _page(reader, issue.course.id)
    # (a large class's class-wide figures are recounted every half minute, not at each change)
    assert f'data-testid="completed-enrollments">{1 if large else 2}<' in html
    lookups = [args for args in commands if args[0] == "MGET"]
    assert len(lookups) == 2, [len(args) for args in lookups]
    looked_up = [name.rsplit(":cache:", 1)[-1] for name in lookups[1][1:]]
    assert {name.split(":")[0] for name in looked_up} >= {"course-figures-html", "course-analytics",
                                                          "student-status-counts"}
    # (and stores what it computed, the page with it, in one more)
    assert [args[0] for args in commands] == ["MGET", "MGET", "PIPELINE"]
    assert set(commands[-1][1:]) == {"SET"} and len(commands[-1]) >= 3
    commands.clear()
    assert _without_tokens(_page(reader, issue.course.id)) == _without_tokens(html)  # and kept where it is read
    assert [args[0] for args in commands] == ["MGET"]
    commands.clear()
    listed = _page(reader, issue.course.id, headers={"HX-Request": "true"})
    assert '<span data-testid="student-percent">100%</span>' in listed
    assert [args[0] for args in commands] == ["MGET", "MGET", "PIPELINE"]
    looked_up = [name.rsplit(":cache:", 1)[-1] for name in commands[1][1:]]
    assert {name.split(":")[0] for name in looked_up} >= {"students-html", "student-status-counts", "course-pace"}
    with process.app_context():
        db.engine.dispose()
