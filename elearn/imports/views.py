"""The import pages: upload a CSV file, read its preview, confirm or discard it."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..errors import Forbidden, Invalid
from ..web.access import login_required
from ..web.uploads import accepts_upload
from . import service
from .planning import ERROR

bp = Blueprint("imports", __name__, url_prefix="/imports")
STAFF = ("admin", "instructor")
SHOWN_ROWS = 200


@bp.get("")
@login_required(*STAFF)
def upload_page(errors=None, status=200):
    return render_template("imports/upload.html", errors=errors or {}, done=request.args.get("done"),
                           counts={key: request.args.get(key, type=int) for key in ("created", "updated", "unchanged")}
                           ), status


@bp.post("")
@login_required(*STAFF)
@accepts_upload("IMPORT_MAX_BYTES")
def upload():
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return upload_page({"file": gettext("Choose a CSV file.")}, 422)
    try:
        raw = sent.read()
    finally:
        sent.close()
    try:
        kept = service.keep_upload(current_user, sent.filename, raw,
                                   create_accounts=request.form.get("create_accounts") == "on")
    except (Invalid, Forbidden) as error:
        return upload_page({"file": error.message}, error.status)
    return redirect(url_for("imports.preview", upload_id=kept.id), 303)


@bp.get("/<int:upload_id>")
@login_required(*STAFF)
def preview(upload_id: int):
    kept = service.upload(current_user, upload_id)
    plan = service.preview(current_user, upload_id)
    return render_template("imports/preview.html", upload=kept, plan=plan, summary=plan.summary(),
                           errors=plan.errors[:SHOWN_ROWS],
                           changes=[row for row in plan.rows if row.status != ERROR][:SHOWN_ROWS], shown=SHOWN_ROWS)


@bp.post("/<int:upload_id>/apply")
@login_required(*STAFF)
def apply(upload_id: int):
    summary = service.confirm(current_user, upload_id).summary()
    return redirect(url_for("imports.upload_page", done="applied", created=summary["created"],
                            updated=summary["updated"], unchanged=summary["unchanged"]), 303)


@bp.post("/<int:upload_id>/discard")
@login_required(*STAFF)
def discard(upload_id: int):
    service.discard(current_user, upload_id)
    return redirect(url_for("imports.upload_page", done="discarded"), 303)
