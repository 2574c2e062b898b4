"""CSV import: the preview's outcomes, applying through the counters, badges and audit, access, refusals."""
import io
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from elearn.achievements.models import Achievement
from elearn.audit.models import AuditEntry
from elearn.auth.models import User
from elearn.enrollments.models import Enrollment
from elearn.extensions import db
from elearn.mail.models import OutboxEmail
from elearn.progress.models import Progress, ProgressEvent
from tests.conftest import table_counts
from tests.progress.test_counters import assert_counters_equal_a_recount


@pytest.fixture
def school(make, api):
    make.user("admin", email="root@example.com")
    teacher = make.user("instructor", email="teach@example.com", name="Ada Teacher")
    algebra = make.course(teacher, modules=2, title="Algebra")
    other = make.course(make.user("instructor", email="other@example.com"), modules=1, title="Biology")
    sam = make.user(email="sam@example.com")
    kim = make.user(email="kim@example.com")
    enrollment = make.enroll(sam, algebra)
    first, second = make.modules(algebra)
    make.complete(enrollment, 1)  # Sam completed Fractions already
    db.session.commit()
    return {"algebra": algebra, "biology": other, "modules": (first, second), "sam": sam, "kim": kim}


def _send(api, token, text: str, **params):
    # Encoded here, in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(text.encode()), "progress.csv")})
    return api.post("/api/imports", token, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                    query_string={key: str(value).lower() for key, value in params.items()})


def _csv(school) -> str:
    first, second = school["modules"]
    return ("email,course,module,completed_at\n"
            f"sam@example.com,Algebra,{first.title},2026-03-01\n"        # unchanged: completed already
            f"sam@example.com,{school['algebra'].id},{second.id},2026-03-02T10:00:00Z\n"  # created
            "kim@example.com,Algebra,,\n"                                 # created: an enrollment
            f"kim@example.com,Algebra,{second.title},2026-03-03\n")       # created


def test_a_dry_run_counts_each_outcome_and_changes_nothing(api, school):
    token = api.token("root@example.com")
    before = table_counts(db)
    response = _send(api, token, _csv(school), dryRun=True)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"rows": 4, "created": 3, "updated": 0, "unchanged": 1, "errors": []}
    assert table_counts(db) == before


def test_applying_moves_counters_logs_events_and_awards_badges(api, school):
    response = _send(api, api.token("root@example.com"), _csv(school), dryRun=False)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 3
    db.session.expire_all()
    sam, kim, algebra = school["sam"], school["kim"], school["algebra"]
    sams = db.session.scalar(select(Enrollment).where(Enrollment.user_id == sam.id))
    fractions = db.session.scalar(select(Progress).where(Progress.enrollment_id == sams.id,
                                                         Progress.module_id == school["modules"][0].id))
    # Completed when its last module was: Fractions, today (the imported one is dated in March).
    assert (sams.completed_count, sams.completed_at) == (2, fractions.completed_at)
    kims = db.session.scalar(select(Enrollment).where(Enrollment.user_id == kim.id))
    assert (kims.course_id, kims.completed_count, kims.price_paid_cents) == (algebra.id, 1, 0)
    assert db.session.get(type(algebra), algebra.id).enrollment_count == 2
    record = db.session.scalar(select(Progress).where(Progress.enrollment_id == kims.id))
    assert record.completed and record.completed_at.isoformat().startswith("2026-03-03T00:00")
    events = db.session.scalars(select(ProgressEvent.occurred_at).where(ProgressEvent.user_id == kim.id)).all()
    assert [e.date().isoformat() for e in events] == ["2026-03-03"]
    badges = set(db.session.scalars(select(Achievement.key).where(Achievement.user_id == sam.id)))
    assert {f"course-completed:{algebra.id}", "first-course", "first-module"} <= badges
    assert "first-module" in set(db.session.scalars(select(Achievement.key).where(Achievement.user_id == kim.id)))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.applied"))
    assert entry.details["created"] == 3 and entry.details["courseIds"] == [algebra.id]
    assert_counters_equal_a_recount(db)
    # The same file again: everything is there already.
    again = _send(api, api.token("root@example.com"), _csv(school), dryRun=False).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_a_started_module_becomes_completed(api, school, make):
    kim, (first, _second) = school["kim"], school["modules"]
    enrollment = make.enroll(kim, school["algebra"])
    token = api.token("kim@example.com")
    api.post("/api/progress", token, json={"enrollmentId": enrollment.id, "moduleId": first.id})
    body = _send(api, api.token("root@example.com"), f"email,course,module\nkim@example.com,Algebra,{first.id}\n",
                 dryRun=False).get_json()
    assert (body["created"], body["updated"]) == (0, 1)
    record = db.session.scalar(select(Progress).where(Progress.enrollment_id == enrollment.id))
    assert record.completed and record.completion_seconds >= 0
    assert_counters_equal_a_recount(db)


def test_bad_rows_are_listed_by_line_and_skipped(api, school):
    first, _ = school["modules"]
    text = ("email,course,module,completed_at\n"
            "nobody@example.com,Algebra,,\n"
            "kim@example.com,Chemistry,,\n"
            "kim@example.com,Algebra,Trigonometry,\n"
            "kim@example.com,Algebra,Fractions,yesterday\n"
            "kim@example.com,Algebra,Fractions,2999-01-01\n"
            "not-an-email,Algebra,,\n"
            "teach@example.com,Algebra,,\n"
            "kim@example.com,Algebra,,\n"
            "kim@example.com,Algebra,,\n")
    token = api.token("root@example.com")
    before = table_counts(db)
    body = _send(api, token, text.replace("Fractions", first.title), dryRun=True).get_json()
    problems = {error["line"]: error["message"] for error in body["errors"]}
    assert sorted(problems) == [2, 3, 4, 5, 6, 7, 8, 10]
    assert "No account has this email" in problems[2]
    assert "Chemistry" in problems[3] and "Trigonometry" in problems[4]
    assert "is not a date" in problems[5] and "in the future" in problems[6]
    assert "not an email address" in problems[7] and "not a learner" in problems[8]
    assert problems[10] == "Repeats line 9."
    assert (body["rows"], body["created"]) == (9, 1)
    assert table_counts(db) == before
    applied = _send(api, token, text.replace("Fractions", first.title), dryRun=False).get_json()
    assert applied["created"] == 1
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.user_id == school["kim"].id)) == 1


def test_missing_accounts_are_created_and_invited(app, api, school, client, browser):
    text = "email,course,name\nnew.learner@example.com,Algebra,Nia Newcomer\n"
    body = _send(api, api.token("root@example.com"), text, dryRun=False, createAccounts=True).get_json()
    assert body["created"] == 1
    user = db.session.scalar(select(User).where(User.email == "new.learner@example.com"))
    assert (user.name, user.role) == ("Nia Newcomer", "student")
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == user.id))
    assert email.kind == "invitations" and "Algebra" in email.body
    link = next(line for line in email.body.splitlines() if "/welcome/" in line).strip()
    path = link[link.index("/welcome/"):]
    token = path.removeprefix("/welcome/")
    # Admins read the outbox, but not the link's token: it would let them set the learner's password.
    listed = api.get("/api/admin/outbox", api.token("root@example.com")).get_json()["items"]
    shown = next(item["body"] for item in listed if item["kind"] == "invitations")
    assert "/welcome/…" in shown and token not in shown
    browser.login("root@example.com")
    page = browser.client.get("/admin/outbox").get_data(as_text=True)
    assert "/welcome/…" in page and token not in page and "Nia Newcomer" in page
    browser.client.post("/logout", data={"csrf_token": browser.csrf("/admin")})
    page = client.get(path)
    assert page.status_code == 200 and "new.learner@example.com" in page.get_data(as_text=True)
    answer = client.post(path, data={"password": "a-long-fresh-passphrase", "csrf_token": browser.csrf(path)})
    assert answer.status_code == 302
    assert api.post("/api/auth/login", json={"email": "new.learner@example.com",
                                             "password": "a-long-fresh-passphrase"}).status_code == 200
    assert client.get(path).status_code == 302  # signed in now: to the dashboard
    assert app.test_client().get(path).status_code == 404  # and the link works once


def test_instructors_import_into_their_own_courses_only(api, school):
    teacher = api.token("teach@example.com")
    text = "email,course\nkim@example.com,Algebra\nkim@example.com,Biology\n"
    body = _send(api, teacher, text, dryRun=True).get_json()
    assert body["created"] == 1 and [e["line"] for e in body["errors"]] == [3]
    assert _send(api, api.token("kim@example.com"), text).status_code == 403
    assert api.post("/api/imports", None).status_code == 401


@pytest.mark.parametrize("text, problem", [
    ("name,course\nx,y\n", "missing: email"),
    ("email,course,colour\nx,y,z\n", "Unknown columns"),
    ("email,course\n", "no rows"),
    (b"\xff\xfe\x00e".decode("latin-1"), "not UTF-8"),
])
def test_unreadable_files_are_refused_clearly(api, school, text, problem):
    raw = text.encode("latin-1") if "not UTF-8" in problem else text.encode()
    response = api.post("/api/imports", api.token("root@example.com"), content_type="multipart/form-data",
                        data={"file": (io.BytesIO(raw), "x.csv")})
    assert response.status_code == 422
    assert problem in response.get_json()["error"]["message"]


def test_without_a_file_or_too_large_the_answer_says_so(api, school, app, monkeypatch):
    token = api.token("root@example.com")
    response = api.post("/api/imports", token, content_type="multipart/form-data", data={})
    assert response.status_code == 422 and "file" in response.get_json()["error"]["details"]
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 100)
    big = "email,course\n" + "kim@example.com,Algebra\n" * 20
    assert _send(api, token, big).status_code == 413
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 32 * 1024 * 1024)
    padded = "email,course,name\n" + f"kim@example.com,Algebra,{'x' * 3000}\n" * 1000  # 3 MB
    body = _send(api, token, padded, dryRun=True).get_json()  # more than other requests may send (2 MB)
    assert (body["rows"], body["created"], len(body["errors"])) == (1000, 1, 999)


def test_instructors_neither_create_accounts_nor_learn_why_an_email_is_refused(api, school, make):
    make.user("instructor", email="staff@example.com")
    make.user(email="off@example.com", active=False)
    teacher = api.token("teach@example.com")
    assert _send(api, teacher, "email,course\nnew@example.com,Algebra\n", createAccounts=True).status_code == 403
    body = _send(api, teacher, "email,course\nnobody@example.com,Algebra\nstaff@example.com,Algebra\n"
                               "off@example.com,Algebra\n").get_json()
    assert {error["message"] for error in body["errors"]} == {"No learner's account has this email."}


@pytest.mark.parametrize("cells, problem", [
    ("kim@example.com,²", "No course"),
    ("kim@example.com,99999999999999999999", "No course"),
    ("kim@example.com,Algebra,²,", "has no module"),
    ("kim@example.com,Algebra,1,0001-01-01T00:00:00+01:00", "is not a date"),
    ("kim@example.com,Algebra,1,9999-12-31T23:59:59-05:00", "is not a date"),
    ("kim@example.com,Algebra,1,1969-12-31", "is not a date"),
])
def test_odd_cells_are_row_errors_not_crashes(api, school, cells, problem):
    header = "email,course" if cells.count(",") == 1 else "email,course,module,completed_at"
    body = _send(api, api.token("root@example.com"), f"{header}\n{cells}\n").get_json()
    assert len(body["errors"]) == 1 and problem in body["errors"][0]["message"], body


def test_columns_named_twice_are_refused(api, school):
    response = _send(api, api.token("root@example.com"), "email,course,email\na@example.com,1,b@example.com\n")
    assert response.status_code == 422 and "named twice: email" in response.get_json()["error"]["message"]


def test_a_header_of_a_million_repeated_columns_is_refused_at_once(api, school, monkeypatch, app):
    """Counting each column's repeats by scanning the header was quadratic: this 7 MB
    header kept a worker busy for hours (its other requests and sockets waiting)."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 32 * 1024 * 1024)
    header = ",".join(["email", "course"] * 500_000)
    started = time.monotonic()
    response = _send(api, api.token("root@example.com"), f"{header}\na@example.com,1\n")
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "Columns named twice: course, email."
    assert time.monotonic() - started < 60  # (about a second; the quadratic check took hours)
