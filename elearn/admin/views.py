"""Admin pages. Figures come from analytics.platform; users from auth.service; records
from progress.service. Every route is admins only."""
from datetime import datetime
from zoneinfo import available_timezones

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from pydantic import Field, ValidationError

from ..analytics import platform
from ..auth import service as accounts
from ..auth.access import login_required
from ..auth.schemas import UserCreateIn, UserQuery
from ..catalog.service import list_courses
from ..errors import Conflict, Invalid
from ..progress.service import browse_records
from ..schemas import InSchema, PageQuery
from ..web.forms import validate_form
from ..web.filters import money
from ..web.htmx import is_htmx, page_or_fragment

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = ("admin",)


def _query(schema, **defaults):
    """The page's filters from the query string; nonsense falls back to the defaults."""
    values = {k: v for k, v in request.args.items() if v != ""}
    try:
        return schema.model_validate({**defaults, **values})
    except ValidationError:
        return schema.model_validate(defaults)


class OverviewQuery(PageQuery):
    min_enrollments: int = Field(5, ge=1, le=100_000)


class PatternQuery(InSchema):
    tz: str = Field("UTC", max_length=64)
    weeks: int = Field(12, ge=1, le=52)


class RecordQuery(PageQuery):
    q: str | None = Field(None, max_length=254)
    course_id: int | None = Field(None, ge=1)
    status: str | None = Field(None, pattern="^(completed|started)$")


@bp.get("")
@login_required(*ADMIN)
def dashboard():
    query = _query(OverviewQuery)
    overview = platform.platform_overview(course_page=query.page, min_enrollments=query.min_enrollments)
    return page_or_fragment("admin/dashboard.html", "admin/_course_table.html", overview=overview, query=query,
                            revenue_bars=[(_month_label(m.month), m.cents, money(m.cents))
                                          for m in overview.revenue.by_month],
                            weekly_bars=[(w.week_start.strftime("%b %-d"), w.learners, str(w.learners))
                                         for w in overview.engagement.weekly])


def _month_label(month: str) -> str:
    """"2026-01" → "Jan 26"; other months just "Feb", "Mar" ..."""
    moment = datetime.strptime(month, "%Y-%m")
    return moment.strftime("%b %y") if moment.month == 1 else moment.strftime("%b")


@bp.get("/learners")
@login_required(*ADMIN)
def learners():
    query = _query(PatternQuery)
    error = None
    try:
        patterns = platform.learning_patterns(query.tz)
    except Invalid as invalid:
        error = invalid.message
        query = PatternQuery(weeks=query.weeks)
        patterns = platform.learning_patterns("UTC")
    context = {"cohorts": platform.retention_cohorts(query.weeks), "patterns": patterns, "query": query,
               "error": error, "zones": sorted(available_timezones())}
    return page_or_fragment("admin/learners.html", "admin/_patterns.html", **context)


@bp.get("/users")
@login_required(*ADMIN)
def users():
    query = _query(UserQuery)
    page = accounts.list_users(query.q, query.role, query.page, 25)
    return page_or_fragment("admin/users.html", "admin/_users.html", users=page, query=query,
                            errors={}, values={})


@bp.post("/users")
@login_required(*ADMIN)
def create_user():
    values = {k: request.form.get(k, "") for k in ("email", "password", "name", "role")}
    data, errors = validate_form(UserCreateIn, values)
    if data is not None:
        try:
            accounts.create_user(data.email, data.password, data.name, data.role)
        except Conflict as error:
            errors = {"email": error.message}
    if errors:
        query = UserQuery()
        return render_template("admin/users.html", users=accounts.list_users(page=1, per_page=25), query=query,
                               errors=errors, values=values), 422
    return redirect(url_for("admin.users", created=data.email), 303)


@bp.post("/users/<int:user_id>")
@login_required(*ADMIN)
def update_user(user_id: int):
    """Change role or (de)activate; answers htmx with the user's refreshed row."""
    changes = {}
    if request.form.get("role"):
        changes["role"] = request.form["role"]
    if request.form.get("active") in ("true", "false"):
        changes["active"] = request.form["active"] == "true"
    if changes.get("role") not in (None, "student", "instructor", "admin"):
        raise Invalid("Unknown role.", details={"role": "unknown"})
    user = accounts.update_user(current_user, user_id, **changes)
    if is_htmx():
        return render_template("admin/_user_row.html", user=user)
    return redirect(url_for("admin.users"), 303)


@bp.get("/progress")
@login_required(*ADMIN)
def progress_records():
    query = _query(RecordQuery)
    completed = {"completed": True, "started": False}.get(query.status or "")
    page = browse_records(current_user, query.q, query.course_id, completed, query.page, 50)
    courses = list_courses(current_user, page=1, per_page=200).items
    return page_or_fragment("admin/progress.html", "admin/_records.html", records=page, query=query,
                            courses=courses)
