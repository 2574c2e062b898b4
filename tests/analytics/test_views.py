"""The instructor dashboard pages: the same figures as the JSON mirror, in HTML."""
import time

import pytest

from elearn.analytics import at_risk
from elearn.auth.models import User
from elearn.extensions import db
from elearn.progress.pace import course_pace_seconds


def _as(browser, email):
    browser.login(email)
    return browser


def _list(client, course_id: int, query: str = "") -> str:
    """The course page's student list, as the page fetches it when scrolled to."""
    return client.get(f"/teach/courses/{course_id}{query}", headers={"HX-Request": "true"}).get_data(as_text=True)


def test_my_courses_lists_figures(browser, issue):
    html = _as(browser, "ada@example.com").client.get("/teach").get_data(as_text=True)
    assert "Hand-computed" in html
    assert "<span>43%</span>" in html and "<td>25%</td>" in html, "whole percentages"


def test_course_page_shows_the_hand_computed_figures(browser, issue):
    client = _as(browser, "ada@example.com").client
    html = client.get(f"/teach/courses/{issue.course.id}").get_data(as_text=True)
    assert 'data-testid="total-enrollments">4<' in html
    assert 'data-testid="average-completion">43%<' in html
    assert 'data-testid="completed-enrollments">1<' in html and "Completed (25%)" in html
    assert 'data-testid="active-7d">2<' in html
    for rate in ("75%", "50%", "25%"):
        assert f'<span class="hchart-value">{rate}<span class="visually-hidden"> completed' in html
    assert 'class="hchart-bar completed" style="width: 75.0%"' in html
    assert "Most completed: <strong>Module 1</strong> (75%)" in html
    assert "Least completed: <strong>Module 3</strong> (25%)" in html
    assert "3.0 h" in html and "3.5 h" in html
    heatmap_url = f"/teach/courses/{issue.course.id}/heatmap?q=&amp;sort=-lastActivityAt"
    assert f'hx-get="{heatmap_url}"\n         hx-trigger="revealed"' in html, "fetched when scrolled to"
    assert f'<a href="{heatmap_url}">Open it on its own page</a>' in html, "and reachable without JavaScript"
    assert 'class="cell completed' not in html
    # The student list lies a screen or more below: fetched when scrolled to, as the heatmap.
    assert f'hx-get="/teach/courses/{issue.course.id}"\n         hx-trigger="revealed"' in html
    assert f'<a href="/teach/courses/{issue.course.id}/students">Open the list on its own page</a>' in html
    assert "Ben Learner" not in html and 'Students <span class="muted">(4)</span>' in html
    assert "Ben Learner" in _list(client, issue.course.id)
    heatmap = client.get(heatmap_url.replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert heatmap.lstrip().startswith('<section id="heatmap"')
    assert heatmap.count('class="cell completed" data-module') == 4 + 2 + 1
    assert heatmap.count('class="cell started" data-module') == 1


def test_the_shared_student_list_follows_renames_and_progress(browser, issue, make):
    """Every instructor's list without a search is one cached rendering: a learner renamed,
    or progressing, shows at the next read."""
    client = _as(browser, "ada@example.com").client
    page = f"/teach/courses/{issue.course.id}"
    assert "Ben Learner" in _list(client, issue.course.id)
    ben = issue.enrollments["ben"]
    db.session.get(User, ben.user_id).name = "Benedict Learner"
    db.session.commit()
    html = client.get(f"{page}/students", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Benedict Learner" in html and "Ben Learner" not in html
    assert '<span data-testid="student-percent">50%</span> <small class="muted">2/4</small>' in html
    make.complete(ben, 3)
    html = _list(client, issue.course.id)
    assert '<span data-testid="student-percent">75%</span> <small class="muted">3/4</small>' in html


def test_student_list_searches_and_sorts_as_a_fragment(browser, issue):
    client = _as(browser, "ada@example.com").client
    response = client.get(f"/teach/courses/{issue.course.id}/students?q=BEN", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="students"') and "<html" not in html
    assert "Ben Learner" in html and "Ana Learner" not in html
    assert '<small class="email">ben@example.com</small>' in html and "2/4" in html
    ordered = client.get(f"/teach/courses/{issue.course.id}/students?sort=-percentage",
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    positions = [ordered.index(f"{name} Learner") for name in ("Ana", "Ben", "Cleo", "Dan")]
    assert positions == sorted(positions)
    assert '<th scope="col" aria-sort="descending">' in ordered
    assert client.get(f"/teach/courses/{issue.course.id}/students?sort=bogus").status_code == 200


def test_student_detail_shows_module_by_module_progress(browser, issue):
    client = _as(browser, "ada@example.com").client
    enrollment = issue.enrollments["ben"]
    html = client.get(f"/teach/courses/{issue.course.id}/students/{enrollment.id}",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Ben Learner · 50%" in html
    assert html.count('class="done"') == 2 and html.count('class="todo"') == 2


def test_csv_export_is_streamed_and_neutralises_formulas(browser, issue):
    issue.students["cleo"].name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    response = _as(browser, "ada@example.com").client.get(f"/teach/courses/{issue.course.id}/students.csv?sort=email")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 5
    assert any(line.startswith('cleo@example.com,"\'=HYPERLINK') or "'=HYPERLINK" in line for line in lines)
    assert not any(",=HYPERLINK" in line or ',"=HYPERLINK' in line for line in lines)


@pytest.mark.parametrize("who,status", [("bob@example.com", 403), ("ana@example.com", 403)])
def test_others_are_refused_on_every_page(browser, issue, make, who, status):
    make.user("instructor", email="bob@example.com")
    client = _as(browser, who).client
    cid, eid = issue.course.id, issue.enrollments["ben"].id
    for path in (f"/teach/courses/{cid}", f"/teach/courses/{cid}/students", f"/teach/courses/{cid}/heatmap",
                 f"/teach/courses/{cid}/students.csv", f"/teach/courses/{cid}/students/{eid}",
                 f"/teach/courses/{cid}/edit"):
        assert client.get(path).status_code == status, path
        assert client.get(path, headers={"HX-Request": "true"}).status_code == status, path
    assert client.get("/teach").status_code == (200 if who.startswith("bob") else 403)


def test_admin_sees_every_course(browser, issue, make):
    make.user("admin", email="root@example.com")
    client = _as(browser, "root@example.com").client
    assert "<h1>All courses</h1>" in client.get("/teach").get_data(as_text=True)
    assert client.get(f"/teach/courses/{issue.course.id}").status_code == 200


def test_dashboard_query_count_does_not_grow_with_students(browser, issue, make, count_queries):
    client = _as(browser, "ada@example.com").client
    at_risk.baselines(issue.course)  # kept for minutes, not per change: warm in both requests
    course_pace_seconds(issue.course.id)
    db.session.commit()
    with count_queries() as few:
        assert client.get(f"/teach/courses/{issue.course.id}").status_code == 200
    for k in range(8):
        make.complete(make.enroll(make.user(), issue.course), k % 5)
    with count_queries() as more:
        assert client.get(f"/teach/courses/{issue.course.id}").status_code == 200
    assert len(more) == len(few)


def test_the_course_page_costs_the_same_statements_for_any_class_size(browser, make, count_queries):
    ada = make.user("instructor", email="ada@example.com")
    small, large = make.course(ada, modules=3), make.course(ada, modules=12)
    make.complete(make.enroll(make.user(), small), 1)
    for k in range(30):
        make.complete(make.enroll(make.user(), large), k % 12)
    client = _as(browser, "ada@example.com").client

    def statements(path):
        with count_queries() as sent:
            assert client.get(path).status_code == 200
        return len(sent)

    for kind in ("", "/students", "/heatmap"):
        few = statements(f"/teach/courses/{small.id}{kind}")
        assert statements(f"/teach/courses/{large.id}{kind}") == few, kind
    # Cold, the page: the course (access), the figures, the triage counts and the two at-risk
    # baselines they are counted with ("Needs attention" shows how many), the median active
    # time per module, the header's unread count; its list (on a page of its own, with that
    # header): the course, the triage counts and their baselines, the page of the list and
    # the course's pace.
    assert statements(f"/teach/courses/{make.course(ada, modules=2).id}") <= 9
    assert statements(f"/teach/courses/{make.course(ada, modules=2).id}/students") <= 7


def test_triage_filters_show_their_counts_and_combine_with_search_and_sort(browser, issue):
    """Ana finished; Ben (20 days idle) and Dan (15) are inactive; only Dan is under 25%."""
    client = _as(browser, "ada@example.com").client
    page = _list(client, issue.course.id)
    for label, count in (("All", 4), ("Inactive 14+ days", 2), ("Not started", 0), ("Below 25%", 1),
                         ("Completed", 1)):
        assert f'{label} <span class="count">{count}</span>' in page, label

    def names(query):
        html = client.get(f"/teach/courses/{issue.course.id}?{query}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert html.lstrip().startswith('<section id="students"'), "htmx gets the list alone from the page's address"
        return [name for name in ("Ana", "Ben", "Cleo", "Dan") if f">{name} Learner</a>" in html], html

    assert names("status=inactive")[0] == ["Ben", "Dan"]
    assert names("status=inactive&q=dan")[0] == ["Dan"]
    assert names("status=completed")[0] == ["Ana"]
    assert names("status=below-25")[0] == ["Dan"]
    found, html = names("status=not-started")
    assert found == [] and "No student matches in Not started." in html
    ordered, html = names("status=inactive&sort=name")
    assert ordered == ["Ben", "Dan"] and '<th scope="col" aria-sort="ascending">' in html
    assert 'aria-current="true">Inactive 14+ days' in html
    # Every link keeps the rest of the state and is pushed to the address bar.
    assert f'href="/teach/courses/{issue.course.id}?sort=-name&amp;status=inactive" hx-get=' in html
    assert 'hx-push-url="true"' in html
    csv = client.get(f"/teach/courses/{issue.course.id}/students.csv?status=inactive&sort=email").get_data(as_text=True)
    assert [line.split(",")[1] for line in csv.splitlines()[1:]] == ["ben@example.com", "dan@example.com"]


@pytest.mark.parametrize("large", [False, True])
def test_triage_counts_follow_progress_at_once_in_a_class_and_within_a_minute_in_a_large_one(
        browser, issue, make, monkeypatch, large):
    """Counting a large class on every change would cost the page what the class costs:
    there the triage counts and the class figures are recounted every half minute."""
    from elearn.analytics import service, views

    monkeypatch.setattr(service, "LARGE_CLASS", 4 if large else 2000)  # the course has 4 enrollments
    # Five seconds each stand in for the half minutes of the counts and of the shared list
    # (the two reads after the write come well within them, even on a busy machine).
    monkeypatch.setattr(service, "LARGE_CLASS_TTL", 5)
    monkeypatch.setattr(views, "STUDENT_LIST_TTL", 5)
    client = _as(browser, "ada@example.com").client
    page = f"/teach/courses/{issue.course.id}"
    assert 'Completed <span class="count">1</span>' in _list(client, issue.course.id)
    assert 'data-testid="completed-enrollments">1<' in client.get(page).get_data(as_text=True)
    make.complete(issue.enrollments["ben"], 4)
    # The list, as its refresh fetches it:
    html = _list(client, issue.course.id)
    assert '<span data-testid="student-percent">100%</span> <small class="muted">4/4</small>' in html
    assert f'Completed <span class="count">{1 if large else 2}</span>' in html
    # So do the figures counted over the class (who completed, who was active, drop-off),
    # on the page rendered from its sections (a large class's page itself is kept for its
    # half minute: test_page_cache.py), as its live view shows them; the module rates come
    # from counters, at once in any class.
    html = client.get(f"{page}?sort=-lastActivityAt").get_data(as_text=True)
    assert f'data-testid="completed-enrollments">{1 if large else 2}<' in html
    assert "Least completed: <strong>Module 2</strong> (50%)" in html  # Module 3 at 25% before
    deadline = time.monotonic() + 30
    while True:
        counts, figures = _list(client, issue.course.id), client.get(page).get_data(as_text=True)
        if 'Completed <span class="count">2</span>' in counts and 'data-testid="completed-enrollments">2<' in figures:
            break
        assert time.monotonic() < deadline, "the counts caught up once their time was up"
        time.sleep(0.2)


def test_a_list_address_reloads_as_the_whole_page_with_its_state(browser, issue):
    client = _as(browser, "ada@example.com").client
    url = f"/teach/courses/{issue.course.id}?q=le&sort=name&status=inactive"
    html = client.get(url).get_data(as_text=True)
    assert "<h1>Hand-computed</h1>" in html
    # The list it fetches at once (the address names one) is that list.
    state = "?q=le&amp;sort=name&amp;status=inactive"
    assert f'hx-get="/teach/courses/{issue.course.id}{state}"\n         hx-trigger="load"' in html
    assert f'href="/teach/courses/{issue.course.id}/students{state}"' in html
    listed = _list(client, issue.course.id, "?q=le&sort=name&status=inactive")
    assert 'value="le"' in listed and '<option value="name" selected>' in listed
    assert 'aria-current="true">Inactive 14+ days' in listed
    # htmx restoring history asks with HX-Request too, and needs the whole page.
    restored = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<h1>Hand-computed</h1>" in restored.get_data(as_text=True)


def test_an_empty_course_says_no_one_is_enrolled(browser, make):
    ada = make.user("instructor", email="ada@example.com")
    course = make.course(ada, modules=2, title="Fresh")
    client = _as(browser, "ada@example.com").client
    html = client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert "Most completed" not in html and ">0.0%" not in html
    listed = _list(client, course.id)
    assert "No one is enrolled yet. Students appear here as soon as they enroll." in listed
    assert "No student matches" not in listed and 'class="triage"' not in listed, "no filters over nobody"
