"""A learner's course page, live: their own changes in this course and edits of it."""
from flask import render_template

from ..auth.models import User
from ..catalog.service import get_course
from ..extensions import db
from ..realtime.live import LiveView, live_view
from .course_page import course_page_context


@live_view("course")
def course_view(user, arg):
    course_id = int(arg) if arg and arg.isdigit() else 0
    get_course(user, course_id)  # 404 unless the user may see it
    user_id = user.id

    def wants(message: dict) -> bool:
        if message.get("courseId") != course_id:
            return False
        return message.get("userId") == user_id or message.get("type") in ("course.updated", "course.deleted")

    def render() -> str:
        return render_template("progress/_live.html",
                               **course_page_context(db.session.get(User, user_id), course_id))

    return LiveView(wants=wants, render=render)
