"""Support ticket rules (see elearn/tickets/service.py): who sees, answers and closes what."""
from datetime import timedelta

import pytest

from elearn.db_types import utcnow
from elearn.errors import Forbidden, Invalid, NotFound
from elearn.tickets import service
from elearn.tickets.models import SupportTicket

HOUR = timedelta(hours=1)


@pytest.fixture
def people(make):
    return {"owner": make.user(email="owner@example.com", name="Olive Owner"),
            "other": make.user(email="other@example.com"),
            "teacher": make.user("instructor", email="teacher@example.com"),
            "admin": make.user("admin", email="root@example.com", name="Root Admin")}


@pytest.fixture
def ticket(db, people):
    opened = service.open_ticket(people["owner"], "  Video does not play  ", "Module 3's video is black.")
    db.session.commit()
    return opened


def test_opening_a_ticket_makes_it_open_and_unclosed(ticket, people):
    assert (ticket.user_id, ticket.subject, ticket.body, ticket.status) == (
        people["owner"].id, "Video does not play", "Module 3's video is black.", "open")
    assert ticket.closed_at is None
    assert abs(utcnow() - ticket.created_at) < timedelta(minutes=1)


@pytest.mark.parametrize("subject, body, field", [("", "x", "subject"), ("   ", "x", "subject"),
                                                  ("x" * 201, "x", "subject"), ("Help", "", "body"),
                                                  ("Help", "x" * 10_001, "body")])
def test_a_ticket_needs_a_subject_and_a_body(db, people, subject, body, field):
    with pytest.raises(Invalid) as error:
        service.open_ticket(people["owner"], subject, body)
    assert field in error.value.details


# --- seeing -------------------------------------------------------------------------------------

def test_the_owner_and_admins_see_a_ticket_and_nobody_else(ticket, people):
    for who in ("owner", "admin"):
        assert service.get_ticket(people[who], ticket.id).subject == "Video does not play"
    for who in ("other", "teacher"):
        with pytest.raises(NotFound):
            service.get_ticket(people[who], ticket.id)
    with pytest.raises(NotFound):
        service.get_ticket(people["admin"], 999_999)


def test_users_list_their_own_tickets_and_admins_every_ticket(db, ticket, people):
    mine = service.open_ticket(people["other"], "Billing", "Charged twice.")
    db.session.commit()
    assert [t.id for t in service.list_tickets(people["owner"]).items] == [ticket.id]
    assert [t.id for t in service.list_tickets(people["other"]).items] == [mine.id]
    assert service.list_tickets(people["teacher"]).total == 0
    everything = service.list_tickets(people["admin"])
    assert [t.id for t in everything.items] == [mine.id, ticket.id]  # newest first
    assert (everything.items[1].user_email, everything.items[1].user_name) == ("owner@example.com", "Olive Owner")


def test_tickets_filter_by_status_and_come_in_pages(db, ticket, people):
    for k in range(4):
        service.open_ticket(people["owner"], f"Question {k}", "?")
    service.set_status(people["admin"], ticket.id, "closed")
    db.session.commit()
    assert [t.id for t in service.list_tickets(people["admin"], status="closed").items] == [ticket.id]
    assert service.list_tickets(people["admin"], status="open").total == 4
    assert service.list_tickets(people["other"], status="closed").total == 0
    page = service.list_tickets(people["owner"], page=2, per_page=3)
    assert (page.total, [t.subject for t in page.items]) == (5, ["Question 0", "Video does not play"])
    with pytest.raises(Invalid):
        service.list_tickets(people["admin"], status="pending")


# --- replies --------------------------------------------------------------------------------------

def test_the_owner_and_admins_reply_and_the_thread_reads_in_order(db, ticket, people):
    service.reply(people["owner"], ticket.id, "Still black.")
    answer = service.reply(people["admin"], ticket.id, "  Try another browser.  ")
    db.session.commit()
    assert (answer.author_id, answer.author_name, answer.author_role, answer.body) == (
        people["admin"].id, "Root Admin", "admin", "Try another browser.")
    detail = service.get_ticket(people["owner"], ticket.id)
    assert [(r.author_role, r.body) for r in detail.replies] == [("student", "Still black."),
                                                                 ("admin", "Try another browser.")]
    assert service.list_tickets(people["admin"]).items[0].reply_count == 2


def test_nobody_else_replies(db, ticket, people):
    for who in ("other", "teacher"):
        with pytest.raises(NotFound):
            service.reply(people[who], ticket.id, "Me too")
    with pytest.raises(Invalid):
        service.reply(people["owner"], ticket.id, "   ")
    assert service.get_ticket(people["admin"], ticket.id).replies == []


def test_the_owners_reply_reopens_a_closed_ticket_but_an_admins_does_not(db, ticket, people):
    service.set_status(people["admin"], ticket.id, "closed")
    service.reply(people["admin"], ticket.id, "Fixed, closing.")
    assert (ticket.status, ticket.closed_at is not None) == ("closed", True)
    service.reply(people["owner"], ticket.id, "It is black again.")
    assert (ticket.status, ticket.closed_at) == ("open", None)


# --- status ---------------------------------------------------------------------------------------

def test_only_admins_close_and_reopen(db, ticket, people):
    for who in ("owner", "other", "teacher"):
        with pytest.raises(Forbidden):
            service.set_status(people[who], ticket.id, "closed")
    assert db.session.get(SupportTicket, ticket.id).status == "open"


def test_closing_stamps_closed_at_once_and_reopening_clears_it(db, ticket, people):
    closed = service.set_status(people["admin"], ticket.id, "closed")
    first_closed_at = closed.closed_at
    assert closed.status == "closed" and abs(utcnow() - first_closed_at) < timedelta(minutes=1)
    assert service.set_status(people["admin"], ticket.id, "closed").closed_at == first_closed_at
    reopened = service.set_status(people["admin"], ticket.id, "open")
    assert (reopened.status, reopened.closed_at) == ("open", None)


def test_status_must_be_open_or_closed_and_the_ticket_must_exist(db, ticket, people):
    with pytest.raises(Invalid) as error:
        service.set_status(people["admin"], ticket.id, "resolved")
    assert "status" in error.value.details
    with pytest.raises(NotFound):
        service.set_status(people["admin"], 999_999, "closed")


# --- counts -----------------------------------------------------------------------------------------

def _closed_after(db, owner, *hours):
    opened = utcnow() - 30 * 24 * HOUR
    for took in hours:
        ticket = service.open_ticket(owner, "Help", "Please")
        ticket.created_at = opened
        if took is not None:
            ticket.status, ticket.closed_at = "closed", opened + timedelta(hours=took)
    db.session.commit()


def test_counts_without_tickets_have_no_median(db):
    assert service.ticket_counts() == service.TicketCounts(0, 0, None)


def test_the_median_time_to_close_of_an_odd_number_is_the_middle_one(db, people):
    _closed_after(db, people["owner"], 30, 2, None, 5.5, None)
    assert service.ticket_counts() == service.TicketCounts(open=2, closed=3, median_hours_to_close=5.5)


def test_the_median_time_to_close_of_an_even_number_is_the_mean_of_the_middle_two(db, people):
    _closed_after(db, people["owner"], 1, 100, 3, 6)
    assert service.ticket_counts() == service.TicketCounts(open=0, closed=4, median_hours_to_close=4.5)


def test_reopened_tickets_leave_the_median(db, people, ticket):
    _closed_after(db, people["owner"], 2)
    service.set_status(people["admin"], ticket.id, "closed")
    ticket.closed_at = ticket.created_at + 10 * HOUR
    db.session.commit()
    assert service.ticket_counts().median_hours_to_close == 6.0
    service.set_status(people["admin"], ticket.id, "open")
    db.session.commit()
    assert service.ticket_counts() == service.TicketCounts(open=1, closed=1, median_hours_to_close=2.0)


def test_counts_take_at_most_two_statements_whatever_the_number_of_tickets(db, people, count_queries):
    _closed_after(db, people["owner"], *range(1, 40), *([None] * 10))
    with count_queries() as statements:
        counts = service.ticket_counts()
    assert counts == service.TicketCounts(open=10, closed=39, median_hours_to_close=20.0)
    assert len(statements) <= 2
    assert all("LIMIT" in s.upper() for s in statements[1:])  # SQLite fetches the middle only
