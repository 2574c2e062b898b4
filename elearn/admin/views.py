"""Admin pages (``/admin``): platform figures, learners, users, every course, every progress
record, the audit log.

Figures come from ``analytics.platform`` and ``analytics.service``, users from
``auth.service``, records from ``progress.queries``; every filter is the feature's own API
schema. Admins only.
"""
from datetime import datetime
from typing import Literal

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..analytics import platform
from ..analytics import service as course_analytics
from ..analytics.schemas import LearningPatternsQuery, PlatformQuery, RetentionQuery
from ..audit import service as audit
from ..audit.schemas import AuditQuery
from ..auth import service as accounts
from ..auth.schemas import UserCreateIn, UserQuery, UserUpdateIn
from ..auth.time_zones import time_zone_groups
from ..catalog.service import list_courses
from ..errors import Conflict, Invalid
from ..jobs import dead_letters
from ..mail import outbox
from ..mail.schemas import OutboxQuery
from ..progress.queries import list_records
from ..progress.schemas import ProgressQuery
from ..web.access import login_required
from ..web.filters import money, number, short_day, short_month
from ..web.htmx import is_htmx, page_or_fragment
from ..web.inputs import parse_form, parse_query

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = ("admin",)
USERS_PER_PAGE = 25
RECORDS_PER_PAGE = 50
AUDIT_PER_PAGE = 50
OUTBOX_PER_PAGE = 25
FAILED_JOBS_SHOWN = 20


class LearnersQuery(LearningPatternsQuery, RetentionQuery):
    """The learners page: retention weeks, and the time zone of the learning patterns."""


class RecordsQuery(ProgressQuery):
    """The records page names completion by status: completed, or started (in progress)."""

    status: Literal["completed", "started"] | None = None

    @property
    def completed_filter(self) -> bool | None:
        return {"completed": True, "started": False}.get(self.status or "", self.completed)


@bp.get("")
@login_required(*ADMIN)
def dashboard():
    query = parse_query(PlatformQuery, lenient=True)
    overview = platform.platform_overview(course_page=query.page, min_enrollments=query.min_enrollments)
    return page_or_fragment("admin/dashboard.html", "admin/_course_table.html", overview=overview, query=query,
                            revenue_bars=[(_month_label(m.month), m.cents, money(m.cents))
                                          for m in overview.revenue.by_month],
                            weekly_bars=[(short_day(w.week_start), w.learners, number(w.learners))
                                         for w in overview.engagement.weekly])


def _month_label(month: str) -> str:
    """"2026-01" → "Jan 26"; other months just "Feb", "Mar" ... (in the reader's language)."""
    moment = datetime.strptime(month, "%Y-%m").date()
    return short_month(moment, with_year=moment.month == 1)


@bp.get("/learners")
@login_required(*ADMIN)
def learners():
    query = parse_query(LearnersQuery, lenient=True)
    error = None
    try:
        patterns = platform.learning_patterns(query.tz, days=query.days)
    except Invalid as invalid:
        error = invalid.message
        query = LearnersQuery(weeks=query.weeks, days=query.days)
        patterns = platform.learning_patterns("UTC", days=query.days)
    context = {"cohorts": platform.retention_cohorts(query.weeks), "patterns": patterns, "query": query,
               "error": error, "zones": time_zone_groups()}
    return page_or_fragment("admin/learners.html", "admin/_patterns.html", **context)


@bp.get("/users")
@login_required(*ADMIN)
def users():
    query = parse_query(UserQuery, lenient=True)
    page = accounts.list_users(query.q, query.role, query.page, USERS_PER_PAGE)
    return page_or_fragment("admin/users.html", "admin/_users.html", users=page, query=query,
                            errors={}, values={}, zones=time_zone_groups())


@bp.post("/users")
@login_required(*ADMIN)
def create_user():
    data, errors = parse_form(UserCreateIn)
    if data is not None:
        try:
            accounts.create_user(data.email, data.password, data.name, data.role, actor_id=current_user.id,
                                 timezone=data.timezone)
        except Conflict as error:
            errors = {"email": error.message}
    if errors:
        values = {name: request.form.get(name, "") for name in ("email", "name", "role", "timezone")}
        return render_template("admin/users.html", users=accounts.list_users(page=1, per_page=USERS_PER_PAGE),
                               query=UserQuery(), errors=errors, values=values, zones=time_zone_groups()), 422
    return redirect(url_for("admin.users", created=data.email), 303)


@bp.post("/users/<int:user_id>")
@login_required(*ADMIN)
def update_user(user_id: int):
    """Change role or (de)activate; answers htmx with the user's refreshed row."""
    data, errors = parse_form(UserUpdateIn)
    if errors:
        raise Invalid(gettext("Some fields are invalid."), details=errors)
    user = accounts.update_user(current_user, user_id, **data.model_dump(exclude_none=True))
    if is_htmx():
        return render_template("admin/_user_row.html", user=user)
    return redirect(url_for("admin.users"), 303)


@bp.get("/courses")
@login_required(*ADMIN)
def courses():
    """Every course with its headline figures, the teaching list shown under the admin pages."""
    return render_template("admin/courses.html", courses=course_analytics.courses_overview(current_user))


@bp.get("/progress")
@login_required(*ADMIN)
def progress_records():
    query = parse_query(RecordsQuery, lenient=True)
    page = list_records(current_user, user_id=query.user_id, q=query.q, course_id=query.course_id,
                        completed=query.completed_filter, page=query.page, per_page=RECORDS_PER_PAGE)
    courses = list_courses(current_user, page=1, per_page=200).items
    return page_or_fragment("admin/progress.html", "admin/_records.html", records=page, query=query,
                            courses=courses)


@bp.get("/audit")
@login_required(*ADMIN)
def audit_log():
    query = parse_query(AuditQuery, lenient=True)
    page = audit.list_entries(query.action, query.actor_id, query.since, query.page, AUDIT_PER_PAGE)
    actors = accounts.names_of({entry.actor_id for entry in page.items} | {
        entry.target_id for entry in page.items if entry.target_type == "user"})
    return page_or_fragment("admin/audit.html", "admin/_audit.html", entries=page, query=query, actors=actors,
                            actions=audit.ACTIONS)


@bp.get("/outbox")
@login_required(*ADMIN)
def outbox_page():
    """The email elearn wrote (sent, logged or waiting), and the jobs that failed for good."""
    query = parse_query(OutboxQuery, lenient=True)
    emails = outbox.outbox(query.page, OUTBOX_PER_PAGE, query.status)
    return page_or_fragment("admin/outbox.html", "admin/_outbox.html", emails=emails, query=query,
                            failed=dead_letters.failed_jobs(1, FAILED_JOBS_SHOWN),
                            done=request.args.get("done"))


@bp.post("/failed-jobs/<int:job_id>/retry")
@login_required(*ADMIN)
def retry_failed_job(job_id: int):
    dead_letters.retry(job_id)
    return redirect(url_for("admin.outbox_page", done="retried"), 303)


@bp.post("/failed-jobs/<int:job_id>/discard")
@login_required(*ADMIN)
def discard_failed_job(job_id: int):
    dead_letters.discard(job_id)
    return redirect(url_for("admin.outbox_page", done="discarded"), 303)
