"""Help pages: anyone opens a ticket and follows it; admins answer, close and reopen."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import login_required
from ..errors import Invalid
from ..web.htmx import page_or_fragment
from . import service

bp = Blueprint("tickets", __name__)


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/help")
@login_required()
def help_page():
    if current_user.role == "admin":
        return redirect(url_for("tickets.admin_list"))
    return render_template("tickets/help.html", tickets=service.list_tickets(current_user, page=_page(), per_page=20),
                           errors={}, values={})


@bp.post("/help/tickets")
@login_required()
def open_ticket():
    values = {k: request.form.get(k, "") for k in ("subject", "body")}
    try:
        ticket = service.open_ticket(current_user, values["subject"], values["body"])
    except Invalid as error:
        return render_template("tickets/help.html", tickets=service.list_tickets(current_user, per_page=20),
                               errors=error.details or {"form": error.message}, values=values), 422
    return redirect(url_for("tickets.detail", ticket_id=ticket.id), 303)


@bp.get("/help/tickets/<int:ticket_id>")
@login_required()
def detail(ticket_id: int):
    return render_template("tickets/detail.html", ticket=service.get_ticket(current_user, ticket_id), errors={})


@bp.post("/help/tickets/<int:ticket_id>/replies")
@login_required()
def reply(ticket_id: int):
    try:
        service.reply(current_user, ticket_id, request.form.get("body", ""))
    except Invalid as error:
        return render_template("tickets/detail.html", ticket=service.get_ticket(current_user, ticket_id),
                               errors=error.details or {"body": error.message}), 422
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#replies", 303)


@bp.post("/help/tickets/<int:ticket_id>/status")
@login_required("admin")
def set_status(ticket_id: int):
    service.set_status(current_user, ticket_id, request.form.get("status", ""))
    return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)


@bp.get("/admin/tickets")
@login_required("admin")
def admin_list():
    status = request.args.get("status") if request.args.get("status") in ("open", "closed") else None
    return page_or_fragment("tickets/admin_list.html", "tickets/_list.html", status=status,
                            tickets=service.list_tickets(current_user, status, _page(), 25),
                            counts=service.ticket_counts())
