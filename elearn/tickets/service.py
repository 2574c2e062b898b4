"""Support ticket rules: any user opens tickets and follows them up; admins see, answer and
close every ticket.

- A ticket belongs to its owner and the admins. Anyone else is told it does not exist
  (404), so ticket ids reveal nothing about other people.
- Closing stamps ``closed_at``; reopening clears it. "closed" and "has a ``closed_at``"
  therefore always agree, and the time to close is ``closed_at - created_at``.
- An owner's reply to a closed ticket reopens it: the question is not settled after all,
  and it should be back in the admins' open queue. An admin's reply leaves the status alone.
- Every change publishes ``ticket.updated`` (``ticket.created`` for a new one) naming the
  ticket and its owner (``ownerId``: no learner figures depend on it).
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select

from ..auth.models import User
from ..db_types import utcnow
from ..errors import Forbidden, Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from ..sql import seconds_between
from .models import TICKET_STATUSES, SupportTicket, TicketReply

SUBJECT_MAX = 200
BODY_MAX = 10_000


# --- access ---------------------------------------------------------------------------

def _may_see(actor, ticket: SupportTicket) -> bool:
    return actor.role == "admin" or ticket.user_id == actor.id


def _load(actor, ticket_id: int) -> SupportTicket:
    """The ticket, if it is the actor's or the actor is an admin; 404 otherwise."""
    ticket = db.session.get(SupportTicket, ticket_id)
    if ticket is None or not _may_see(actor, ticket):
        raise NotFound(gettext("No such ticket."))
    return ticket


def _text(field: str, value: str, max_length: int) -> str:
    """``value`` without surrounding blanks; 422 naming ``field`` if empty or too long."""
    value = (value or "").strip()
    if not value:
        raise Invalid(gettext("Some fields are invalid."), details={field: gettext("must not be empty")})
    if len(value) > max_length:
        raise Invalid(gettext("Some fields are invalid."), details={field: gettext("at most %(count)s characters", count=max_length)})
    return value


def _check_status(status: str) -> None:
    if status not in TICKET_STATUSES:
        raise Invalid(gettext("Unknown ticket status."), details={"status": gettext("one of %(choices)s", choices=", ".join(TICKET_STATUSES))})


# --- writing ---------------------------------------------------------------------------

def open_ticket(actor, subject: str, body: str) -> SupportTicket:
    """A new open ticket from ``actor`` (any signed-in user)."""
    ticket = SupportTicket(user_id=actor.id, subject=_text("subject", subject, SUBJECT_MAX),
                           body=_text("body", body, BODY_MAX), status="open")
    db.session.add(ticket)
    db.session.flush()
    _announce("ticket.created", ticket)
    return ticket


def _announce(kind: str, ticket: SupportTicket) -> None:
    publish_after_commit({"type": kind, "ticketId": ticket.id, "ownerId": ticket.user_id, "status": ticket.status})


def _change_status(ticket: SupportTicket, status: str) -> None:
    """Closing stamps the time once; reopening clears it (see the module docstring)."""
    if status == "closed" and ticket.status != "closed":
        ticket.closed_at = utcnow()
    elif status == "open":
        ticket.closed_at = None
    ticket.status = status


def set_status(actor, ticket_id: int, status: str) -> SupportTicket:
    """Close or reopen a ticket (admins only). Closing an already closed ticket keeps its
    original ``closed_at``."""
    if actor.role != "admin":
        raise Forbidden(gettext("Only admins close and reopen tickets."))
    _check_status(status)
    ticket = _load(actor, ticket_id)
    _change_status(ticket, status)
    db.session.flush()
    _announce("ticket.updated", ticket)
    return ticket


@dataclass
class ReplyView:
    id: int
    ticket_id: int
    author_id: int
    author_name: str
    author_role: str
    body: str
    created_at: datetime


def reply(actor, ticket_id: int, body: str) -> ReplyView:
    """Add ``actor``'s message to the ticket's thread (its owner or an admin).

    The owner's reply reopens a closed ticket (see the module docstring).
    """
    ticket = _load(actor, ticket_id)
    message = TicketReply(ticket_id=ticket.id, author_id=actor.id, body=_text("body", body, BODY_MAX))
    db.session.add(message)
    if actor.id == ticket.user_id and ticket.status == "closed":
        _change_status(ticket, "open")
    db.session.flush()
    _announce("ticket.updated", ticket)
    return ReplyView(message.id, ticket.id, actor.id, actor.name, actor.role, message.body, message.created_at)


# --- reading ---------------------------------------------------------------------------

@dataclass
class TicketView:
    """A ticket with its author's email and name."""

    id: int
    user_id: int
    user_email: str
    user_name: str
    subject: str
    body: str
    status: str
    created_at: datetime
    closed_at: datetime | None


@dataclass
class TicketSummary(TicketView):
    reply_count: int


def list_tickets(actor, status: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    """A page of ``TicketSummary``, newest first: the actor's own tickets, or every
    ticket for an admin; ``status`` (open or closed) filters. Two statements."""
    replies = (select(func.count(TicketReply.id)).where(TicketReply.ticket_id == SupportTicket.id)
               .correlate(SupportTicket).scalar_subquery())
    stmt = (
        select(SupportTicket, User.email, User.name, replies)
        .join(User, User.id == SupportTicket.user_id)
        .order_by(SupportTicket.created_at.desc(), SupportTicket.id.desc())
    )
    if actor.role != "admin":
        stmt = stmt.where(SupportTicket.user_id == actor.id)
    if status is not None:
        _check_status(status)
        stmt = stmt.where(SupportTicket.status == status)
    result = paginate(stmt, page, per_page, scalars=False)
    result.items = [
        TicketSummary(t.id, t.user_id, email, name, t.subject, t.body, t.status, t.created_at, t.closed_at, count)
        for t, email, name, count in result.items
    ]
    return result


@dataclass
class TicketDetail(TicketView):
    replies: list[ReplyView]


def get_ticket(actor, ticket_id: int) -> TicketDetail:
    """The ticket and its whole thread in time order (its owner or an admin; others 404)."""
    row = db.session.execute(
        select(SupportTicket, User.email, User.name)
        .join(User, User.id == SupportTicket.user_id)
        .where(SupportTicket.id == ticket_id)
    ).first()
    if row is None or not _may_see(actor, row[0]):
        raise NotFound(gettext("No such ticket."))
    ticket, email, name = row
    replies = [
        ReplyView(*fields) for fields in db.session.execute(
            select(TicketReply.id, TicketReply.ticket_id, TicketReply.author_id, User.name, User.role,
                   TicketReply.body, TicketReply.created_at)
            .join(User, User.id == TicketReply.author_id)
            .where(TicketReply.ticket_id == ticket.id)
            .order_by(TicketReply.created_at, TicketReply.id))
    ]
    return TicketDetail(ticket.id, ticket.user_id, email, name, ticket.subject, ticket.body, ticket.status,
                        ticket.created_at, ticket.closed_at, replies)


@dataclass
class TicketCounts:
    open: int
    closed: int
    median_hours_to_close: float | None  # over closed tickets; None when none is closed


def ticket_counts() -> TicketCounts:
    """Open and closed tickets and the median time to close, without reading the tickets.

    PostgreSQL computes the median with ``percentile_cont`` in the same statement as the
    counts. SQLite has no percentile function: a second statement sorts the closed
    tickets by time to close and fetches only the middle one (odd count) or two (even).
    """
    is_open, is_closed = SupportTicket.status == "open", SupportTicket.status == "closed"
    time_to_close = seconds_between(SupportTicket.created_at, SupportTicket.closed_at)
    counts = [func.count().filter(is_open), func.count().filter(is_closed)]
    if db.session.get_bind().dialect.name == "postgresql":
        open_count, closed_count, median = db.session.execute(
            select(*counts, func.percentile_cont(0.5).within_group(time_to_close).filter(is_closed))
            .select_from(SupportTicket)
        ).one()
    else:
        open_count, closed_count = db.session.execute(select(*counts).select_from(SupportTicket)).one()
        median = None
        if closed_count:
            middle = db.session.scalars(
                select(time_to_close).where(is_closed).order_by(time_to_close)
                .limit(2 - closed_count % 2).offset((closed_count - 1) // 2)
            ).all()
            median = sum(middle) / len(middle)
    hours = None if median is None else round(float(median) / 3600, 2)
    return TicketCounts(open_count, closed_count, hours)
