"""JSON support tickets: users open and follow up theirs; admins answer and close them."""
from flask import url_for
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from . import service
from .schemas import (
    ReplyIn,
    ReplyOut,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketQuery,
    TicketStatusIn,
    TicketSummaryOut,
)

api = JsonApi("tickets", __name__)


@api.operation("/tickets", "POST", body=TicketIn, response=TicketOut, status=201)
def open_ticket(body: TicketIn):
    """Open a support ticket (any user)."""
    ticket = service.open_ticket(current_user, body.subject, body.body)
    return ticket, {"Location": url_for("tickets_api.get_ticket", ticket_id=ticket.id)}


@api.operation("/tickets", query=TicketQuery, response=TicketSummaryOut, paginated=True)
def list_tickets(query: TicketQuery):
    """Your tickets, newest first (admins: everyone's); ``status`` filters open or closed ones."""
    return service.list_tickets(current_user, query.status, query.page, query.per_page)


@api.operation("/tickets/<int:ticket_id>", response=TicketDetailOut, errors=(404,))
def get_ticket(ticket_id: int):
    """A ticket with its replies in time order (its owner, admins)."""
    return service.get_ticket(current_user, ticket_id)


@api.operation("/tickets/<int:ticket_id>", "PATCH", body=TicketStatusIn, response=TicketOut, roles=("admin",),
           errors=(404,))
def set_ticket_status(ticket_id: int, body: TicketStatusIn):
    """Close a ticket (sets ``closedAt``) or reopen it (clears it)."""
    return service.set_status(current_user, ticket_id, body.status)


@api.operation("/tickets/<int:ticket_id>/replies", "POST", body=ReplyIn, response=ReplyOut, status=201,
           errors=(404,))
def reply(ticket_id: int, body: ReplyIn):
    """Reply to a ticket (its owner, admins); the owner's reply reopens a closed ticket."""
    message = service.reply(current_user, ticket_id, body.body)
    return message, {"Location": url_for("tickets_api.get_ticket", ticket_id=ticket_id)}
