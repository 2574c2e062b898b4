"""JSON import of enrollments and completions from a CSV file."""
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from ..web.uploads import accepts_upload, uploaded_file
from . import service
from .schemas import ImportQuery, ImportResultOut

api = JsonApi("imports", __name__)


@api.operation("/imports", "POST", query=ImportQuery, response=ImportResultOut, roles=("admin", "instructor"),
               errors=(413, 422), upload="file")
@accepts_upload("IMPORT_MAX_BYTES")
def import_csv(query: ImportQuery):
    """Enrollments (``email, course``) and completions (``email, course, module,
    completed_at``) from a CSV file: with ``dryRun=true`` (the default) what it would do,
    with ``dryRun=false`` done, in one transaction (rows with errors are skipped).
    Instructors import into their own courses."""
    plan = service.import_file(current_user, uploaded_file()[0], dry_run=query.dry_run,
                               create_accounts=query.create_accounts)
    return plan.summary()
