"""Help pages: anyone opens a ticket and follows it; admins answer, close and reopen."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..web.access import login_required
from ..web.htmx import page_or_fragment
from ..web.inputs import parse_form, parse_query
from . import service
from .schemas import ReplyIn, TicketIn, TicketQuery, TicketStatusIn

bp = Blueprint("tickets", __name__)


@bp.get("/help")
@login_required()
def help_page():
    if current_user.role == "admin":
        return redirect(url_for("tickets.admin_list"))
    query = parse_query(TicketQuery, lenient=True)
    return render_template("tickets/help.html", errors={}, values={},
                           tickets=service.list_tickets(current_user, page=query.page, per_page=20))


@bp.post("/help/tickets")
@login_required()
def open_ticket():
    data, errors = parse_form(TicketIn)
    if errors:
        values = {name: request.form.get(name, "") for name in ("subject", "body")}
        return render_template("tickets/help.html", tickets=service.list_tickets(current_user, per_page=20),
                               errors=errors, values=values), 422
    ticket = service.open_ticket(current_user, data.subject, data.body)
    return redirect(url_for("tickets.detail", ticket_id=ticket.id), 303)


@bp.get("/help/tickets/<int:ticket_id>")
@login_required()
def detail(ticket_id: int):
    return render_template("tickets/detail.html", ticket=service.get_ticket(current_user, ticket_id), errors={})


@bp.post("/help/tickets/<int:ticket_id>/replies")
@login_required()
def reply(ticket_id: int):
    ticket = service.get_ticket(current_user, ticket_id)  # 404 before a form error
    data, errors = parse_form(ReplyIn)
    if errors:
        return render_template("tickets/detail.html", ticket=ticket, errors=errors), 422
    service.reply(current_user, ticket_id, data.body)
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#replies", 303)


@bp.post("/help/tickets/<int:ticket_id>/status")
@login_required("admin")
def set_status(ticket_id: int):
    data, _errors = parse_form(TicketStatusIn)  # a bad status is the service's 422
    service.set_status(current_user, ticket_id, data.status if data else "")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)


@bp.get("/admin/tickets")
@login_required("admin")
def admin_list():
    query = parse_query(TicketQuery, lenient=True)
    return page_or_fragment("tickets/admin_list.html", "tickets/_list.html", status=query.status,
                            tickets=service.list_tickets(current_user, query.status, query.page, 25),
                            counts=service.ticket_counts())
