"""Warehouse exports for admins: progress records as CSV, the activity log as NDJSON."""
from flask_jwt_extended import current_user

from ..web.downloads import csv_attachment, streamed_attachment
from ..web.json_api import CSV, NDJSON, JsonApi
from . import service
from .schemas import ExportQuery

api = JsonApi("exports", __name__)


@api.operation("/exports/progress.csv", query=ExportQuery, media_type=CSV, roles=("admin",), errors=(404,))
def progress_csv(query: ExportQuery):
    """Every progress record changed (``updatedAt``) in ``[since, until)``, of one course or all,
    as a streamed CSV file in record order."""
    lines = service.progress_csv_lines(current_user, query.course_id, query.since, query.until)
    return csv_attachment(lines, service.filename("progress", "csv", query.course_id))


@api.operation("/exports/events.ndjson", query=ExportQuery, media_type=NDJSON, roles=("admin",), errors=(404,))
def events_ndjson(query: ExportQuery):
    """Every activity-log row (started, completed, reopened) that ``occurredAt`` in
    ``[since, until)``, of one course or all, one JSON object per line, in id order."""
    lines = service.events_ndjson_lines(current_user, query.course_id, query.since, query.until)
    return streamed_attachment(lines, service.filename("events", "ndjson", query.course_id), NDJSON)
