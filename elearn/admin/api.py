"""JSON for admins: the outbox of email, and the jobs that failed every attempt."""
from ..jobs import dead_letters
from ..jobs.schemas import FailedJobOut, FailedJobQuery
from ..mail import outbox
from ..mail.schemas import OutboxEmailOut, OutboxQuery
from ..web.json_api import JsonApi

api = JsonApi("admin", __name__)
ADMIN = ("admin",)


@api.operation("/admin/outbox", query=OutboxQuery, response=OutboxEmailOut, paginated=True, roles=ADMIN)
def list_outbox(query: OutboxQuery):
    """Every email elearn wrote, newest first: ``queued``, ``sent`` (through ``MAIL_URL``)
    or ``logged`` (no ``MAIL_URL``: written to the log only)."""
    return outbox.outbox(query.page, query.per_page, query.status)


@api.operation("/admin/failed-jobs", query=FailedJobQuery, response=FailedJobOut, paginated=True, roles=ADMIN)
def list_failed_jobs(query: FailedJobQuery):
    """Background jobs that failed every attempt, newest first, with the error."""
    return dead_letters.failed_jobs(query.page, query.per_page)


@api.operation("/admin/failed-jobs/<int:job_id>/retry", "POST", status=204, roles=ADMIN, errors=(404,))
def retry_failed_job(job_id: int):
    """Queue the job again (its attempts start over) and take it off the list."""
    dead_letters.retry(job_id)


@api.operation("/admin/failed-jobs/<int:job_id>", "DELETE", status=204, roles=ADMIN, errors=(404,))
def discard_failed_job(job_id: int):
    """Drop the job from the list without running it."""
    dead_letters.discard(job_id)
