"""A small school with a learner who has a history everywhere, and another who does too."""
from dataclasses import dataclass

import pytest
from flask import current_app

from elearn.messages import service as messages
from elearn.notifications.preferences import update_preferences
from elearn.tickets import service as tickets


@dataclass
class School:
    root: object
    ada: object
    sam: object
    kim: object
    course: object
    sam_enrollment: object
    kim_enrollment: object
    welcome_id: int
    sam_reply_id: int
    sam_ticket_id: int


@pytest.fixture
def school(make, db) -> School:
    """Sam: 2 of Algebra's 3 modules done, a ticket the admin answered and he replied to, a
    message from Ada he answered, streak reminders off. Kim: 1 module, a ticket of her own."""
    root = make.user("admin", email="root@example.com", name="Root Admin")
    ada = make.user("instructor", email="ada@example.com", name="Ada Lovelace")
    sam = make.user(email="sam@example.com", name="Sam Student", timezone="Europe/Berlin")
    kim = make.user(email="kim@example.com", name="Kim Other")
    course = make.course(ada, modules=3, title="Algebra")
    sam_enrollment = make.complete(make.enroll(sam, course), 2)
    kim_enrollment = make.complete(make.enroll(kim, course), 1)
    ticket = tickets.open_ticket(sam, "Stuck", "Module 2 does not load.")
    tickets.reply(root, ticket.id, "Try again now.")
    tickets.reply(sam, ticket.id, "Works, thanks.")
    tickets.open_ticket(kim, "Invoice", "Please send one to Kim.")
    welcome = messages.send_message(ada, subject="Welcome", body="Glad you joined.", course_id=course.id,
                                    audience="all")
    answer = messages.reply(sam, welcome.id, "Thank you!")
    update_preferences(sam, streaks=False)
    db.session.commit()
    assert current_app.extensions["elearn.jobs"].wait_idle(60)  # badge notes in the inbox
    return School(root, ada, sam, kim, course, sam_enrollment, kim_enrollment, welcome.id, answer.id, ticket.id)
