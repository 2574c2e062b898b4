"""The dead-letter list, for admins: jobs that failed every attempt, to read, retry or drop."""
from flask_babel import gettext
from sqlalchemy import select

from ..errors import NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from .models import FailedJob
from .queue import runner


def failed_jobs(page: int = 1, per_page: int = 50) -> Page:
    """Newest first."""
    return paginate(select(FailedJob).order_by(FailedJob.id.desc()), page, per_page)


def _failed(job_id: int) -> FailedJob:
    job = db.session.get(FailedJob, job_id)
    if job is None:
        raise NotFound(gettext("No such failed job."))
    return job


def retry(job_id: int) -> None:
    """Queue the job again, with its attempts anew, and take it off the list."""
    job = _failed(job_id)
    runner().enqueue(job.task, job.args)
    db.session.delete(job)
    publish_after_commit({"type": "job.retried", "jobId": job_id})


def discard(job_id: int) -> None:
    db.session.delete(_failed(job_id))
    publish_after_commit({"type": "job.discarded", "jobId": job_id})
