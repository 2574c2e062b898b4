"""Messages: who may write to whom, inboxes, replies, and the pages."""
import re

import pytest
from sqlalchemy import func, select

from elearn.catalog import service as catalog
from elearn.errors import Forbidden, Invalid, NotFound
from elearn.extensions import db
from elearn.messages import service
from elearn.messages.models import InboxEntry


@pytest.fixture
def course(make):
    ada = make.user("instructor", email="ada@example.com", name="Ada Lovelace")
    course = make.course(ada, modules=2, title="Algebra")
    learners = [make.user(email=f"l{k}@example.com", name=f"Learner {k}") for k in range(3)]
    for learner in learners:
        make.enroll(learner, course)
    return ada, course, learners


def _inbox_of(user):
    return set(db.session.scalars(select(InboxEntry.message_id).where(InboxEntry.user_id == user.id)))


def test_an_instructor_writes_to_chosen_or_all_learners_of_their_course(course, make, received):
    ada, algebra, (l0, l1, l2) = course
    outsider = make.user(email="out@example.com")
    chosen = service.send_message(ada, subject="Week 2", body="Read chapter 2.", course_id=algebra.id,
                                  recipient_ids=[l0.id, l2.id, outsider.id])
    db.session.commit()
    assert chosen.recipient_count == 2, "only the course's learners, whoever else was named"
    assert chosen.id in _inbox_of(l0) and chosen.id not in _inbox_of(l1) and chosen.id not in _inbox_of(outsider)
    everyone = service.send_message(ada, subject="Exam", body="On Friday.", course_id=algebra.id, audience="all")
    db.session.commit()
    assert everyone.recipient_count == 3
    event = next(e for e in received if e.get("messageId") == everyone.id)
    assert event["type"] == "message.received" and sorted(event["userIds"]) == sorted([l0.id, l1.id, l2.id])


def test_nobody_writes_outside_what_they_may_reach(course, make):
    ada, algebra, (l0, _l1, _l2) = course
    bob = make.user("instructor", email="bob@example.com")
    with pytest.raises(Forbidden):
        service.send_message(bob, subject="Hi", body="x", course_id=algebra.id, audience="all")
    with pytest.raises(Forbidden):
        service.send_message(bob, subject="Hi", body="x", recipient_ids=[l0.id])
    with pytest.raises(Forbidden):
        service.send_message(l0, subject="Hi", body="x", course_id=algebra.id, audience="all")
    empty = make.course(ada, modules=1)
    with pytest.raises(Invalid):
        service.send_message(ada, subject="Hi", body="x", course_id=empty.id, audience="all")
    assert db.session.scalar(select(InboxEntry.id)) is None, "nothing half-written"


def test_admins_write_to_a_role(course, make):
    _ada, _algebra, learners = course
    root = make.user("admin", email="root@example.com")
    make.user(email="gone@example.com", active=False)
    sent = service.send_message(root, subject="Maintenance", body="Sunday 2-4 UTC.", audience="students")
    db.session.commit()
    assert sent.recipient_count == len(learners), "active students only"


def test_learners_read_and_reply_and_the_instructor_sees_the_reply(course):
    ada, algebra, (l0, l1, _l2) = course
    sent = service.send_message(ada, subject="Week 2", body="Read chapter 2.", course_id=algebra.id, audience="all")
    db.session.commit()
    assert service.inbox(l0).unread == 1
    item = service.open_message(l0, sent.id)
    db.session.commit()
    assert item.read_at is not None and service.inbox(l0).unread == 0
    with pytest.raises(NotFound):
        service.open_message(ada, sent.id), "the sender's copy is not in their inbox"
    answer = service.reply(l0, sent.id, "Done, thanks!")
    db.session.commit()
    assert answer.id in _inbox_of(ada)
    assert service.inbox(ada).page.items[0].subject == "Re: Week 2"
    assert [m.replies for m in service.course_messages(ada, algebra.id).items] == [1]
    with pytest.raises(NotFound):
        service.reply(l1, answer.id, "Not mine to answer")


def test_the_inbox_api(course, api):
    ada, algebra, (l0, _l1, _l2) = course
    teacher, learner = api.token("ada@example.com"), api.token("l0@example.com")
    created = api.post("/api/messages", teacher, json={"courseId": algebra.id, "filter": "all", "subject": "Hi",
                                                         "body": "Welcome!"})
    assert created.status_code == 201 and created.get_json()["recipients"] == 3
    inbox = api.get("/api/messages", learner).get_json()
    assert inbox["unread"] == 1 and inbox["total"] == 1
    assert inbox["items"][0]["senderName"] == "Ada Lovelace" and inbox["items"][0]["courseTitle"] == "Algebra"
    message_id = inbox["items"][0]["messageId"]
    assert api.get(f"/api/messages/{message_id}", learner).get_json()["readAt"] is not None
    assert api.get("/api/messages", learner).get_json()["unread"] == 0
    replied = api.post(f"/api/messages/{message_id}/replies", learner, json={"body": "Thanks"})
    assert replied.status_code == 201 and replied.get_json()["recipients"] == 1
    both = api.post("/api/messages", teacher, json={"courseId": algebra.id, "filter": "all", "audience": "everyone",
                                                      "subject": "x", "body": "y"})
    assert both.status_code == 422, "one audience at a time"


def _header_unread(browser, path: str = "/") -> int:
    page = browser.client.get(path).get_data(as_text=True)
    assert 'id="inbox-link"' in page
    found = re.search(r'id="inbox-link"[^>]*>Inbox(?: <span class="count"[^>]*>(\d+)</span>)?</a>', page)
    return int(found.group(1) or 0)


def test_the_header_count_is_kept_until_the_inbox_changes(course, browser, count_queries):
    """Every page's header shows the unread count: counted once, then read with the sign-in
    check, and counted again when a message arrives, is read, or goes with its course."""
    ada, algebra, (l0, _l1, _l2) = course
    browser.login("l0@example.com")
    assert _header_unread(browser) == 0
    with count_queries() as statements:
        assert _header_unread(browser, "/courses") == 0
    assert not [s for s in statements if "inbox_entries" in s], statements
    first = service.send_message(ada, subject="Quiz", body="Try it.", course_id=algebra.id, audience="all")
    db.session.commit()
    assert _header_unread(browser) == 1
    service.open_message(l0, first.id)
    db.session.commit()
    assert _header_unread(browser) == 0
    service.send_message(ada, subject="Exam", body="Friday.", course_id=algebra.id, audience="all")
    db.session.commit()
    assert _header_unread(browser, "/courses") == 1
    catalog.delete_course(ada, algebra.id)
    db.session.commit()
    assert _header_unread(browser) == 0, "a deleted course's messages go with it"


def test_pages_compose_read_and_reply(course, browser):
    ada, algebra, (l0, l1, _l2) = course
    browser.login("ada@example.com")
    page = browser.client.get(f"/teach/courses/{algebra.id}").get_data(as_text=True)
    assert 'id="compose-form"' in page
    listed = browser.client.get(f"/teach/courses/{algebra.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'name="recipientIds" value="{l0.id}" form="compose-form"' in listed  # the list's ticks belong to it
    sent = browser.post(f"/teach/courses/{algebra.id}/messages",
                        {"subject": "Quiz", "body": "Try it today.", "audience": "selected", "recipientIds": [l0.id, l1.id]})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("sent=2")
    refused = browser.post(f"/teach/courses/{algebra.id}/messages", {"subject": "Quiz", "body": "x", "audience": "selected"})
    assert refused.status_code == 422 and "Tick the learners" in refused.get_data(as_text=True)
    browser.client.post("/logout", data={"csrf_token": browser.csrf("/courses")})
    browser.login("l0@example.com")
    home = browser.client.get("/").get_data(as_text=True)
    assert 'aria-label="1 unread">1</span>' in home
    inbox = browser.client.get("/inbox").get_data(as_text=True)
    message_id = db.session.scalar(select(InboxEntry.message_id).where(InboxEntry.user_id == l0.id))
    assert "Quiz" in inbox and f"/inbox/{message_id}" in inbox
    read = browser.client.get(f"/inbox/{message_id}").get_data(as_text=True)
    assert "Try it today." in read and "Reply to Ada Lovelace" in read
    answered = browser.post(f"/inbox/{message_id}/reply", {"body": "On it."})
    assert answered.status_code == 303
    assert "Your reply was sent to Ada Lovelace." in browser.client.get(answered.headers["Location"]).get_data(as_text=True)


def test_a_deactivated_learner_gets_no_mail(course):
    ada, algebra, (l0, l1, l2) = course
    l1.active = False
    db.session.commit()
    sent = service.send_message(ada, subject="Exam", body="On Friday.", course_id=algebra.id, audience="all")
    db.session.commit()
    assert sent.recipient_count == 2 and sent.id not in _inbox_of(l1)


def test_a_message_reaches_exactly_its_recipients_open_pages(course, make):
    """One event names every recipient; the hub hands it to their sockets without asking
    each socket to search the list, and to nobody else's."""
    from elearn.realtime.hub import Hub

    class Bus:
        def subscribe(self, handler):
            self.handler = handler

    _ada, _algebra, (l0, l1, l2) = course
    bus = Bus()
    hub = Hub(bus)
    never = lambda message: False  # noqa: E731  (their pages want nothing else)
    mine, theirs = hub.register(never, user_id=l0.id), hub.register(never, user_id=l2.id)
    hub._dispatch({"type": "message.received", "messageId": 1, "userIds": [l0.id, l1.id]})
    assert [m["messageId"] for m in mine.drain(0.01)] == [1]
    assert theirs.drain(0.01) == []


def test_an_admin_writes_to_every_instructor_from_the_admin_pages(course, make, browser):
    ada, _algebra, (l0, _l1, _l2) = course
    make.user("admin", email="root@example.com")
    browser.login("root@example.com")
    page = browser.client.get("/admin/messages").get_data(as_text=True)
    assert 'aria-current="page">Messages</a>' in page and "<h1>Write to the platform</h1>" in page
    sent = browser.post("/admin/messages", {"subject": "Grades", "body": "Due Friday.", "audience": "instructors"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("sent=1")
    assert "Sent to 1 person." in browser.client.get(sent.headers["Location"]).get_data(as_text=True)
    assert service.inbox(ada).unread == 1 and service.inbox(l0).unread == 0
    refused = browser.post("/admin/messages", {"subject": "", "body": "x", "audience": "students"})
    assert refused.status_code == 422 and 'class="field-error"' in refused.get_data(as_text=True)


def test_elearn_s_own_notes_update_the_count_without_a_second_toast(app):
    """A badge announces itself; its note in the inbox only moves the header's count."""
    from elearn.messages.views import message_toast

    with app.test_request_context():
        only_notes = message_toast([{"type": "message.received", "notice": True}])
        assert 'hx-target="#inbox-link"' in only_notes
        assert "toast" not in only_notes
        mixed = message_toast([{"type": "message.received", "notice": True},
                               {"type": "message.received", "notice": False}])
        assert "A new message is in your inbox." in mixed


def test_nobody_replies_to_a_sender_whose_account_is_gone(course):
    ada, algebra, (l0, _l1, _l2) = course
    note = service.send_message(ada, subject="Hi", body="Hello.", course_id=algebra.id, recipient_ids=[l0.id])
    db.session.commit()
    ada.active = False  # disabled, or erased on request
    db.session.commit()
    with pytest.raises(Invalid, match="sender's account is gone"):
        service.reply(l0, note.id, "Thanks!")
    assert service.inbox(ada).page.total == 0


@pytest.mark.parametrize("sent", ["%C2%B2", "9" * 30, "0", "-1"])
def test_a_sent_count_that_is_no_number_shows_the_page_without_it(course, make, browser, sent):
    make.user("admin", email="root@example.com")
    browser.login("root@example.com")
    response = browser.client.get(f"/admin/messages?sent={sent}")
    assert response.status_code == 200 and "Sent to" not in response.get_data(as_text=True)


def test_ticked_learners_that_are_no_ids_are_no_recipients(course, browser):
    _ada, algebra, _learners = course
    browser.login("ada@example.com")
    refused = browser.post(f"/teach/courses/{algebra.id}/messages",
                           {"subject": "Quiz", "body": "x", "audience": "selected", "recipientIds": ["²", "9" * 30]})
    assert refused.status_code == 422 and "Tick the learners" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(InboxEntry)) == 0
