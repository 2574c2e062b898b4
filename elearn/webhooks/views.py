"""The admin's webhooks page: register, pause state, delivery log, resume, delete."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..cache import read_ahead_for_user
from ..errors import Invalid
from ..web.access import login_required
from ..web.inputs import parse_form, parse_query
from . import service
from .schemas import DeliveryQuery, WebhookIn

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
ADMIN = ("admin",)
DELIVERIES_PER_PAGE = 25


@bp.before_app_request
def read_listened_types_ahead():
    """A write's events are checked against the event types webhooks listen to as it
    commits (``service.may_be_listened_to``): fetched with the sign-in check, in that round
    trip, rather than in one of their own."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        read_ahead_for_user(lambda _user_id: [service.LISTENED_TYPES])


def _list_page(errors=None, values=None, status=200):
    return render_template("webhooks/list.html", endpoints=service.endpoints(1, 100), errors=errors or {},
                           values=values or {}, choices=service.WEBHOOK_EVENTS,
                           done=request.args.get("done")), status


@bp.get("")
@login_required(*ADMIN)
def webhooks():
    return _list_page()


@bp.post("")
@login_required(*ADMIN)
def register():
    data, errors = parse_form(WebhookIn, events=request.form.getlist("events"))
    if data is not None:
        try:
            service.register(current_user, url=data.url, secret=data.secret, events=list(data.events))
        except Invalid as error:
            errors = {key: value for key, value in error.details.items()} or {"form": error.message}
        else:
            return redirect(url_for("webhooks.webhooks", done="registered"), 303)
    return _list_page(errors, request.form, 422)


@bp.get("/<int:webhook_id>")
@login_required(*ADMIN)
def deliveries(webhook_id: int):
    query = parse_query(DeliveryQuery, lenient=True)
    return render_template("webhooks/deliveries.html", endpoint=service.endpoint(webhook_id),
                           deliveries=service.deliveries(webhook_id, query.page, DELIVERIES_PER_PAGE),
                           done=request.args.get("done"))


@bp.post("/<int:webhook_id>/resume")
@login_required(*ADMIN)
def resume(webhook_id: int):
    service.resume(webhook_id)
    return redirect(url_for("webhooks.deliveries", webhook_id=webhook_id, done="resumed"), 303)


@bp.post("/<int:webhook_id>/delete")
@login_required(*ADMIN)
def delete(webhook_id: int):
    service.delete(webhook_id)
    return redirect(url_for("webhooks.webhooks", done="deleted"), 303)
