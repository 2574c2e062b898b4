"""Email: copies of messages through a real SMTP server, the outbox, unsubscribing without
signing in, retries that send once, and the dead-letter list."""
import re

import pytest
from sqlalchemy import func, select

from elearn.errors import NotFound
from elearn.extensions import db
from elearn.jobs.models import FailedJob
from elearn.mail.models import OutboxEmail
from elearn.messages import service as messages
from elearn.notifications import preferences
from tests.conftest import build_app, migrate_to_head
from tests.factories import Factory

LINK = re.compile(r"https?://\S+/unsubscribe/(\S+)")


def _class(make):
    ada = make.user("instructor", email="ada@example.com", name="Ada Lovelace")
    course = make.course(ada, modules=2, title="Algebra")
    sam = make.user(email="sam@example.com", name="Sam")
    kim = make.user(email="kim@example.com", name="Kim")
    for learner in (sam, kim):
        make.enroll(learner, course)
    return ada, course, sam, kim


def test_a_message_is_emailed_to_each_learner_who_wants_copies(app, make, mailing, settle):
    ada, course, sam, kim = _class(make)
    preferences.update_preferences(kim, messages=False)
    db.session.commit()
    messages.send_message(ada, subject="Week 2", body="Read chapter 2 before Friday.", course_id=course.id,
                          audience="all")
    db.session.commit()
    settle()

    assert [m["To"] for m in mailing.messages] == ["sam@example.com"]
    sent = mailing.messages[0]
    assert sent["Subject"] == "Week 2"
    assert sent["From"] == "elearn <no-reply@localhost>"
    text = sent.get_content()
    assert "Ada Lovelace wrote to the learners of Algebra:" in text
    assert "Read chapter 2 before Friday." in text
    assert "http://127.0.0.1:5000/inbox/" in text
    token = LINK.search(text).group(1)
    assert sent["List-Unsubscribe"] == f"<http://127.0.0.1:5000/unsubscribe/{token}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = db.session.scalar(select(OutboxEmail))
    assert (row.status, row.to_address, row.kind, row.attempts) == ("sent", "sam@example.com", "messages", 1)


def test_the_unsubscribe_link_works_without_signing_in(app, make, mailing, settle, client):
    ada, course, sam, _ = _class(make)
    messages.send_message(ada, subject="Hi", body="Hello.", course_id=course.id, recipient_ids=[sam.id])
    db.session.commit()
    settle()
    token = LINK.search(mailing.to("sam@example.com")[0].get_content()).group(1)

    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stop these emails?" in html and "sam@example.com" in html
    assert preferences.preferences_of(sam.id).messages is True  # a GET changes nothing (link scanners)

    done = client.post(f"/unsubscribe/{token}")  # one click: the mail program's POST has no CSRF token
    assert done.status_code == 200
    assert "will no longer receive" in done.get_data(as_text=True)
    assert preferences.preferences_of(sam.id).messages is False
    assert preferences.preferences_of(sam.id).streaks is True  # only that kind

    messages.send_message(ada, subject="Again", body="Hello again.", course_id=course.id, recipient_ids=[sam.id])
    db.session.commit()
    settle()
    assert len(mailing.messages) == 1  # no copy any more; the inbox still has it
    assert messages.inbox(sam).unread == 2


def test_a_forged_or_damaged_unsubscribe_link_changes_nothing(app, make, client):
    sam = make.user(email="sam@example.com")
    db.session.commit()
    token = preferences.unsubscribe_token(sam.id, "messages")
    for bad in (token[:-2] + "xx", "nonsense", preferences.unsubscribe_token(sam.id, "everything")):
        assert client.get(f"/unsubscribe/{bad}").status_code == 404
        assert client.post(f"/unsubscribe/{bad}").status_code == 404
    assert preferences.preferences_of(sam.id).messages is True


def test_without_a_mail_server_email_is_logged_and_kept_in_the_outbox(app, make, settle, browser, caplog):
    ada, course, sam, _ = _class(make)
    make.user("admin", email="root@example.com")
    db.session.commit()
    with caplog.at_level("INFO", logger="elearn.mail.outbox"):
        messages.send_message(ada, subject="Quiz moved", body="The quiz is on Monday. Notes: "
                              "https://example.com/notes/v1.2.3-release.notes-for-the-quiz", course_id=course.id,
                              recipient_ids=[sam.id])
        db.session.commit()
        settle()
    assert "The quiz is on Monday." in caplog.text
    row = db.session.scalar(select(OutboxEmail))
    assert (row.status, row.to_address) == ("logged", "sam@example.com")

    browser.login("root@example.com")
    html = browser.client.get("/admin/outbox?status=logged").get_data(as_text=True)
    assert "Quiz moved" in html and "sam@example.com" in html and "The quiz is on Monday." in html
    token = row.unsubscribe_url.rsplit("/", 1)[1]
    assert "/unsubscribe/…" in html and token not in html, "the link that acts as Sam is not shown"
    assert "/notes/v1.2.3-release.notes-for-the-quiz" in html, "an instructor's own link is shown whole"
    assert "Quiz moved" not in browser.client.get("/admin/outbox?status=sent").get_data(as_text=True)


def test_a_send_that_fails_twice_then_succeeds_sends_one_email(app, make, mailing, settle):
    ada, course, sam, _ = _class(make)
    mailing.refuse = 2
    messages.send_message(ada, subject="Once", body="Only once.", course_id=course.id, recipient_ids=[sam.id])
    db.session.commit()
    settle()
    assert mailing.refused == 2
    assert [m["Subject"] for m in mailing.messages] == ["Once"]
    row = db.session.scalar(select(OutboxEmail))
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert db.session.scalar(select(func.count()).select_from(FailedJob)) == 0


def test_a_job_that_fails_every_attempt_waits_for_an_admin_who_retries_it(app, make, mailing, settle, api):
    ada, course, sam, _ = _class(make)
    make.user("admin", email="root@example.com")
    db.session.commit()
    mailing.refuse = 3  # the first attempt and both retries
    messages.send_message(ada, subject="Stuck", body="Eventually.", course_id=course.id, recipient_ids=[sam.id])
    db.session.commit()
    settle()
    assert mailing.messages == []
    failed = db.session.scalar(select(FailedJob))
    assert failed.task == "elearn.mail.outbox.deliver" and failed.attempts == 3
    assert "451" in failed.error
    row = db.session.scalar(select(OutboxEmail))
    assert row.status == "queued" and "451" in row.last_error

    token = api.token("root@example.com")
    listed = api.call("GET", "/api/admin/failed-jobs", token).get_json()
    assert [item["task"] for item in listed["items"]] == ["elearn.mail.outbox.deliver"]
    assert api.call("POST", f"/api/admin/failed-jobs/{failed.id}/retry", token).status_code == 204
    settle()
    assert [m["Subject"] for m in mailing.messages] == ["Stuck"]
    assert db.session.scalar(select(func.count()).select_from(FailedJob)) == 0
    assert api.call("POST", f"/api/admin/failed-jobs/{failed.id}/retry", token).status_code == 404


def test_a_retry_that_is_rolled_back_queues_nothing(app, make, mailing, settle):
    """The job is queued once taking it off the list is committed: a retry whose request
    failed leaves it listed, not both listed and run."""
    from elearn.jobs import dead_letters

    ada, course, sam, _ = _class(make)
    mailing.refuse = 3
    messages.send_message(ada, subject="Stuck", body="Eventually.", course_id=course.id, recipient_ids=[sam.id])
    db.session.commit()
    settle()
    failed_id = db.session.scalar(select(FailedJob.id))
    dead_letters.retry(failed_id)
    db.session.rollback()
    settle()
    assert mailing.messages == [] and db.session.scalar(select(FailedJob.id)) == failed_id
    dead_letters.retry(failed_id)
    db.session.commit()
    settle()
    assert [m["Subject"] for m in mailing.messages] == ["Stuck"]
    with pytest.raises(NotFound):
        dead_letters.retry(failed_id)


def test_preferences_page_and_api_agree(app, make, browser, api):
    make.user(email="sam@example.com")
    db.session.commit()
    browser.login("sam@example.com")
    html = browser.client.get("/account/notifications").get_data(as_text=True)
    assert "Remind me in the evening when my streak would end at midnight" in html
    assert "weekly digest" not in html  # a learner teaches nothing

    saved = browser.post("/account/notifications", {"messages": "on", "achievements": "on", "language": "es"})
    assert saved.status_code == 303
    token = api.token("sam@example.com")
    assert api.call("GET", "/api/notifications/preferences", token).get_json() == {
        "messages": True, "inactivity": False, "streaks": False, "achievements": True, "digests": True,
        "language": "es"}
    changed = api.call("PATCH", "/api/notifications/preferences", token, json={"streaks": True})
    assert changed.get_json()["streaks"] is True and changed.get_json()["inactivity"] is False
    bad = api.call("PATCH", "/api/notifications/preferences", token, json={"language": "fr"})
    assert bad.status_code == 422
    assert browser.post("/account/notifications", {"language": "fr"}).status_code == 422


def test_while_redis_is_unreachable_jobs_run_in_the_process(tmp_path):
    """The queue is down: the request still succeeds, and the email is delivered (logged)."""
    app = build_app(f"sqlite:///{tmp_path / 'away.sqlite'}", REDIS_URL="redis://127.0.0.1:1/0")
    migrate_to_head(app)
    with app.app_context():
        make = Factory()
        ada = make.user("instructor", email="ada@example.com")
        course = make.course(ada, modules=1)
        sam = make.user(email="sam@example.com")
        make.enroll(sam, course)
        db.session.commit()
        messages.send_message(ada, subject="Still here", body="Redis is away.", course_id=course.id,
                              recipient_ids=[sam.id])
        db.session.commit()  # the copy, then its delivery, are queued: Redis refuses, so here
        assert app.extensions["elearn.jobs"].wait_idle(60)
        row = db.session.scalar(select(OutboxEmail))
        assert (row.status, row.subject) == ("logged", "Still here")
        db.session.remove()
        db.engine.dispose()
