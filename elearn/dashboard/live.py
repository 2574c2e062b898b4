"""The student dashboard's live view: the student's own changes and their courses' edits."""
from flask import render_template
from sqlalchemy import select

from ..auth.models import User
from ..enrollments.models import Enrollment
from ..extensions import db
from ..realtime.live import LiveView, live_view
from .context import student_dashboard


@live_view("dashboard")
def dashboard_view(user, _arg):
    user_id = user.id
    courses = set(db.session.scalars(select(Enrollment.course_id).where(Enrollment.user_id == user_id)))

    def wants(message: dict) -> bool:
        if message.get("userId") == user_id:
            if message.get("type") == "enrollment.created":
                courses.add(message.get("courseId"))
            return True
        return message.get("type") in ("course.updated", "course.deleted") and message.get("courseId") in courses

    def render() -> str:
        return render_template("dashboard/_live.html", **student_dashboard(db.session.get(User, user_id)))

    return LiveView(wants=wants, render=render)
