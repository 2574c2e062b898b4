"""The instructor's course dashboard, live: any student of the course progressing."""
from flask import render_template

from ..realtime.live import LiveView, live_view
from ..auth.models import User
from ..extensions import db
from . import service
from .dashboard import dashboard_context


@live_view("teach-course")
def teach_course_view(user, arg):
    course_id = int(arg) if arg and arg.isdigit() else 0
    service.course_for_analytics(user, course_id)  # 403/404 unless they teach it (or admin)
    user_id = user.id

    def wants(message: dict) -> bool:
        return message.get("courseId") == course_id and message.get("type") in (
            "progress.updated", "enrollment.created", "course.updated", "course.deleted")

    def render() -> str:
        actor = db.session.get(User, user_id)
        return render_template("teach/_live.html", course_id=course_id, **dashboard_context(actor, course_id))

    return LiveView(wants=wants, render=render)
