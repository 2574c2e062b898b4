"""Files of the local storage (``STORAGE_URL=file:``), served by the app.

Range requests (a video's player seeks), ``ETag`` and ``Last-Modified`` come from
``send_file``; a key names its bytes, so an answer may be cached for a year, immutable
(privately, unless it is a thumbnail's copy). A content's file needs the signed address
its page gave (``FileStorage.url``): 403 once it has expired. Other backends serve their
files themselves: here their keys are not found.
"""
from flask import Blueprint, abort, request, send_file
from flask_babel import gettext

from ..errors import Forbidden
from . import storage
from .backends import FileStorage
from .kinds import MEDIA_TYPES

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/<key>")
def file(key: str):
    backend = storage()
    extension = key.rsplit(".", 1)[-1]
    if not isinstance(backend, FileStorage) or extension not in MEDIA_TYPES:
        abort(404)
    try:
        path = backend.path(key)
    except ValueError:
        abort(404)
    # (Checked before the file is looked for: an unsigned request learns nothing of what is stored.)
    signed = "signature" in request.args
    if not backend.may_serve(key, request.args.get("expires"), request.args.get("signature")):
        raise Forbidden(gettext("This link has expired or is not one elearn gave: open the course page again."),
                        code="link_expired")
    if not path.is_file():
        abort(404)
    answer = send_file(path, mimetype=MEDIA_TYPES[extension], conditional=True, etag=True, max_age=31536000)
    answer.headers["Cache-Control"] = f"{'private' if signed else 'public'}, max-age=31536000, immutable"
    answer.headers["Content-Disposition"] = "inline"
    return answer
