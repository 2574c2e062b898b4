"""``/``: each role's home. Students get their dashboard (overall progress, courses, recent
activity, badges, streak), live; instructors and admins are sent to their own pages."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..achievements.service import current_streak, list_achievements
from ..auth.models import User
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..extensions import db
from ..progress.activity import last_completion, next_modules, next_up, recent_activity
from ..progress.queries import overall_progress
from ..realtime.live import LiveView
from ..web.access import login_required

bp = Blueprint("dashboard", __name__)


def student_dashboard_context(user) -> dict:
    """What the student dashboard shows, for the page and its live pushes."""
    now = utcnow()
    overall = overall_progress(user.id)
    last_active = max((c.last_activity_at for c in overall.courses if c.last_activity_at), default=None)
    nexts = next_modules(user.id)
    return {
        "overall": overall,
        "next_modules": nexts,
        "next_up": next_up(overall.courses, nexts),
        "last_completion": last_completion(user.id),
        "last_active": last_active,
        "activity": recent_activity(user.id),
        "badges": list_achievements(user.id),
        "streak": current_streak(user.id, user.timezone, now),
        "now": now,
    }


@bp.get("/")
@login_required()
def home():
    if current_user.role == "student":
        return render_template("dashboard/student.html", **student_dashboard_context(current_user))
    return redirect(url_for("admin.dashboard" if current_user.role == "admin" else "analytics.my_courses"))


def dashboard_live_view(user, _arg) -> LiveView:
    """The student's own changes, and edits of the courses they are enrolled in."""
    user_id = user.id
    courses = set(db.session.scalars(select(Enrollment.course_id).where(Enrollment.user_id == user_id)))

    def wants(message: dict) -> bool:
        if message.get("type") == "import.applied":
            imported = user_id in message.get("userIds", ())
            if imported:
                courses.update(message.get("courseIds", ()))
            return imported
        if message.get("type") == "content.viewed":
            return False  # nothing on the dashboard shows what was opened or played
        if message.get("userId") == user_id:
            if message.get("type") == "enrollment.created":
                courses.add(message.get("courseId"))
            return True
        return message.get("type") in ("course.updated", "course.deleted") and message.get("courseId") in courses

    def render() -> str:
        return render_template("dashboard/_live.html", **student_dashboard_context(db.session.get(User, user_id)))

    return LiveView(wants=wants, render=render)


LIVE_VIEWS = {"dashboard": dashboard_live_view}
