"""Pages: the download of your data and your deletion request (cards on the account page),
and the admins' list of deletion requests."""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..web.access import login_required
from ..web.inputs import parse_query
from ..web.json_api import dump
from . import personal_data, service
from .schemas import DeletionRequestQuery, YourDataOut

bp = Blueprint("privacy", __name__)
REQUESTS_PER_PAGE = 25


@bp.app_context_processor
def deletion_request():
    """``latest_deletion_request()`` for the account page's card: one indexed query, only
    where it is shown."""
    return {"latest_deletion_request": lambda: service.latest_request(current_user.id)
            if current_user.is_authenticated else None}


@bp.get("/account/export")
@login_required()
def download_your_data():
    """The same JSON as ``GET /api/me/export``, as a file to keep."""
    response = current_app.json.response(dump(YourDataOut, personal_data.your_data(current_user)))
    response.headers["Content-Disposition"] = f'attachment; filename="elearn-data-{current_user.id}.json"'
    return response


@bp.post("/account/deletion-request")
@login_required()
def request_deletion():
    service.request_deletion(current_user)
    return redirect(url_for("auth.account", deletion="requested", _anchor="delete-account"), 303)


@bp.post("/account/deletion-request/cancel")
@login_required()
def cancel_deletion():
    service.cancel_deletion(current_user)
    return redirect(url_for("auth.account", deletion="cancelled", _anchor="delete-account"), 303)


@bp.get("/admin/deletion-requests")
@login_required("admin")
def deletion_requests():
    query = parse_query(DeletionRequestQuery, lenient=True)
    return render_template("privacy/admin.html", query=query, done=request.args.get("done"),
                           requests=service.list_requests(current_user, query.status, query.page,
                                                          REQUESTS_PER_PAGE))


@bp.post("/admin/deletion-requests/<int:request_id>/confirm")
@login_required("admin")
def confirm_deletion(request_id: int):
    service.confirm(current_user, request_id)
    return redirect(url_for("privacy.deletion_requests", done="confirmed"), 303)


@bp.post("/admin/deletion-requests/<int:request_id>/reject")
@login_required("admin")
def reject_deletion(request_id: int):
    service.reject(current_user, request_id)
    return redirect(url_for("privacy.deletion_requests", done="rejected"), 303)
