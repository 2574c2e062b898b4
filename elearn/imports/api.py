"""JSON import of enrollments and completions from a CSV file."""
from flask import request
from flask_babel import gettext
from flask_jwt_extended import current_user

from ..errors import Invalid
from ..web.json_api import JsonApi
from ..web.uploads import accepts_upload
from . import service
from .schemas import ImportQuery, ImportResultOut

api = JsonApi("imports", __name__)


def uploaded_file() -> bytes:
    """The bytes of the multipart field ``file``; 422 without one."""
    sent = request.files.get("file")
    if sent is None:
        message = gettext("Send the CSV file as the multipart field “file”.")
        raise Invalid(message, details={"file": message})
    try:
        return sent.read()
    finally:
        sent.close()  # a large file was spooled to a temporary file


@api.operation("/imports", "POST", query=ImportQuery, response=ImportResultOut, roles=("admin", "instructor"),
               errors=(413, 422), upload="file")
@accepts_upload("IMPORT_MAX_BYTES")
def import_csv(query: ImportQuery):
    """Enrollments (``email, course``) and completions (``email, course, module,
    completed_at``) from a CSV file: with ``dryRun=true`` (the default) what it would do,
    with ``dryRun=false`` done, in one transaction (rows with errors are skipped).
    Instructors import into their own courses."""
    plan = service.import_file(current_user, uploaded_file(), dry_run=query.dry_run,
                               create_accounts=query.create_accounts)
    return plan.summary()
