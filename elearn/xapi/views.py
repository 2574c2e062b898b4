"""The admin's xAPI page: the forwarding's backlog, refusals and last success; replay, send now."""
from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from .. import local_time
from ..errors import Conflict
from ..web.access import login_required
from ..web.inputs import parse_form, parse_query
from . import forwarding
from .schemas import RefusedQuery, ReplayDaysForm

bp = Blueprint("xapi", __name__, url_prefix="/admin/xapi")
ADMIN = ("admin",)
REFUSED_PER_PAGE = 25


def _page(errors=None, values=None, status=200):
    query = parse_query(RefusedQuery, lenient=True)
    return render_template("xapi/forwarding.html", state=forwarding.status(),
                           refused=forwarding.refused(query.page, REFUSED_PER_PAGE), errors=errors or {},
                           values=values or {}, done=request.args.get("done"),
                           queued=request.args.get("queued", type=int)), status


@bp.get("")
@login_required(*ADMIN)
def forwarding_page():
    return _page()


@bp.post("/replay")
@login_required(*ADMIN)
def replay():
    data, errors = parse_form(ReplayDaysForm)
    status = 422
    if data is not None:
        zone = local_time.zone(current_user.timezone)
        since = local_time.local_midnight(data.first_day, zone)
        until = local_time.local_midnight(data.last_day + timedelta(days=1), zone)
        try:
            queued = forwarding.replay(current_user, since, until)
        except Conflict as error:
            errors, status = {"form": error.message}, 409
        else:
            return redirect(url_for("xapi.forwarding_page", done="replayed", queued=queued), 303)
    return _page(errors, request.form, status)


@bp.post("/send-now")
@login_required(*ADMIN)
def send_now():
    forwarding.send_now()
    return redirect(url_for("xapi.forwarding_page", done="sending"), 303)
