"""A learner's course page: its modules with their status, the Start, Mark complete and
Undo buttons, and the page's live view.

htmx gets the module row back (its target) plus ``<hx-partial>``s for the course bar and
the overall chip; a plain form post is redirected back to the module on the page. Live
pushes render the same partials from the same context (``course_page_context``).
"""
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ..auth.models import User
from ..catalog.service import course_detail, get_course
from ..db_types import utcnow
from ..enrollments.service import enrollment_of
from ..errors import Conflict, NotFound
from ..extensions import db
from ..realtime.live import LiveView
from ..web.access import login_required
from ..web.htmx import is_htmx
from . import active_time, writes
from .pace import course_pace_seconds, predicted_completion
from .queries import course_progress

bp = Blueprint("progress", __name__)
VIDEO_SUFFIXES = (".mp4", ".webm", ".ogg", ".ogv", ".mov")


@dataclass
class ModuleView:
    id: int
    order: int
    title: str
    description: str
    contents: list
    started: bool
    completed: bool
    started_at: object
    completed_at: object

    @property
    def status(self) -> str:
        return "completed" if self.completed else "started" if self.started else "not-started"


def embed_kind(content) -> str | None:
    """How to show a content item inline: "video" for a playable file, else None (link)."""
    if content.type == "video" and content.url.lower().split("?")[0].endswith(VIDEO_SUFFIXES):
        return "video"
    return None


def course_page_context(user, course_id: int) -> dict:
    """The course, the user's enrollment (or None) and, when enrolled, module statuses."""
    course = course_detail(user, course_id)
    enrollment = enrollment_of(user.id, course_id)
    context = {"course": course, "enrollment": enrollment, "modules": [], "progress": None,
               "now": utcnow(), "embed_kind": embed_kind}
    statuses = {}
    if enrollment is not None:
        progress = course_progress(user, enrollment.id)
        statuses = {m.module_id: m for m in progress.modules}
        context["progress"] = progress
        context["predicted_finish"] = predicted_completion(
            enrolled_at=enrollment.enrolled_at, last_activity_at=enrollment.last_activity_at,
            completed=progress.completed_modules, total=progress.total_modules, now=context["now"],
            course_seconds_per_module=course_pace_seconds(course_id))
    for module in course.modules:
        status = statuses.get(module.id)
        context["modules"].append(ModuleView(
            module.id, module.position, module.title, module.description, module.contents,
            bool(status and status.started), bool(status and status.completed),
            status.started_at if status else None, status.completed_at if status else None))
    return context


@bp.get("/courses/<int:course_id>")
@login_required()
def course_page(course_id: int):
    return render_template("progress/course.html", **course_page_context(current_user, course_id))


def _my_enrollment(course_id: int):
    """The signed-in learner's enrollment in the course the page posts about (404 if none)."""
    enrollment = enrollment_of(current_user.id, course_id)
    if enrollment is None:
        raise NotFound(gettext("You are not enrolled in this course."))
    return enrollment


@bp.post("/courses/<int:course_id>/modules/<int:module_id>/<any(start, complete, undo):action>")
@login_required()
def change_module(course_id: int, module_id: int, action: str):
    enrollment = _my_enrollment(course_id)
    if action == "complete":
        writes.mark_module_completed(current_user, enrollment.id, module_id)
    elif action == "undo":
        writes.set_module_completed(current_user, enrollment.id, module_id, False)
    else:
        try:
            writes.start_module(current_user, enrollment.id, module_id)
        except Conflict:
            pass  # already started, perhaps in another tab: show the current state
    if not is_htmx():
        return redirect(url_for("progress.course_page", course_id=course_id) + f"#module-{module_id}", 303)
    context = course_page_context(current_user, course_id)
    module = next((m for m in context["modules"] if m.id == module_id), None)
    if module is None:
        abort(404)
    return render_template("progress/_module_response.html", module=module, action=action, **context)


@bp.post("/courses/<int:course_id>/modules/<int:module_id>/heartbeat")
@login_required()
def heartbeat(course_id: int, module_id: int):
    """The course page's heartbeat (app.js) while its learner works on a module: 204."""
    enrollment = _my_enrollment(course_id)
    active_time.record_heartbeat(current_user, enrollment.id, module_id)
    return "", 204


def course_live_view(user, arg) -> LiveView:
    """The course page, live: the learner's own changes in this course and edits of it."""
    course_id = int(arg) if arg and arg.isdigit() else 0
    get_course(user, course_id)  # 404 unless the user may see it
    user_id = user.id

    def wants(message: dict) -> bool:
        if message.get("type") == "import.applied":
            return course_id in message.get("courseIds", ()) and user_id in message.get("userIds", ())
        if message.get("courseId") != course_id:
            return False
        return message.get("userId") == user_id or message.get("type") in ("course.updated", "course.deleted")

    def render() -> str:
        return render_template("progress/_live.html",
                               **course_page_context(db.session.get(User, user_id), course_id))

    return LiveView(wants=wants, render=render)


LIVE_VIEWS = {"course": course_live_view}
