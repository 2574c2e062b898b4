"""The dead-letter list, for admins: jobs that failed every attempt, to read, retry or drop."""
from flask_babel import gettext
from sqlalchemy import delete, select

from ..errors import NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from .models import FailedJob
from .queue import RETRIED


def failed_jobs(page: int = 1, per_page: int = 50) -> Page:
    """Newest first."""
    return paginate(select(FailedJob).order_by(FailedJob.id.desc()), page, per_page)


def retry(job_id: int) -> None:
    """Take the job off the list and, once that is committed, queue it again with its
    attempts anew (``RETRIED``). Taking it off claims it: of two admins (or a double
    click) retrying one job, the second finds it gone (404), and it runs once."""
    claimed = _take(job_id)
    publish_after_commit({"type": RETRIED, "jobId": job_id, "task": claimed.task, "args": claimed.args})


def discard(job_id: int) -> None:
    _take(job_id)
    publish_after_commit({"type": "job.discarded", "jobId": job_id})


def _take(job_id: int):
    claimed = db.session.execute(delete(FailedJob).where(FailedJob.id == job_id)
                                 .returning(FailedJob.task, FailedJob.args)).first()
    if claimed is None:
        raise NotFound(gettext("No such failed job."))
    return claimed
