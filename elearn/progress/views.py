"""A learner's course page: its modules with their status, the Start, Mark complete and
Undo buttons, and the page's live view.

htmx gets the module row back (its target) plus ``<hx-partial>``s for the course bar and
the overall chip; a plain form post is redirected back to the module on the page. Live
pushes render the same partials from the same context (``course_page_context``).
"""
from dataclasses import dataclass

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ..auth.models import User
from ..catalog.lessons import render_markdown
from ..catalog.service import course_detail, get_course
from ..db_types import utcnow
from ..enrollments.service import enrollment_of
from ..errors import Conflict, NotFound
from ..extensions import db
from ..realtime.live import LiveView
from ..schemas import id_in
from ..web.access import login_required
from ..web.htmx import is_htmx
from ..web.inputs import parse_json_body
from ..web.json_api import dump
from . import active_time, content_views, writes
from .pace import course_pace_seconds, predicted_completion
from .queries import course_progress
from .schemas import ViewIn, ViewOut

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
    completion_rule: str = "manual"
    watch_percent: int = 90
    completed_by: str | None = None
    #: Contents opened, of all; playables, and the least share played of them (the page's hints).
    share: dict | None = None

    @property
    def status(self) -> str:
        return "completed" if self.completed else "started" if self.started else "not-started"


AUDIO_SUFFIXES = (".mp3", ".m4a", ".ogg", ".oga", ".opus", ".wav", ".flac")


def embed_kind(content) -> str | None:
    """How to show a content item inline: "video" or "audio" for a playable file (an upload,
    or an address of one), "image", "text" (a Markdown lesson); None: a link."""
    path = (content.url or "").lower().split("?")[0]
    stored = bool(getattr(content, "storage_key", None))
    if content.type == "video" and (stored or path.endswith(VIDEO_SUFFIXES)):
        return "video"
    if content.type == "audio" and (stored or path.endswith(AUDIO_SUFFIXES)):
        return "audio"
    if content.type in ("image", "text"):
        return content.type
    return None


def course_page_context(user, course_id: int) -> dict:
    """The course, the user's enrollment (or None) and, when enrolled, module statuses."""
    course = course_detail(user, course_id)
    enrollment = enrollment_of(user.id, course_id)
    context = {"course": course, "enrollment": enrollment, "modules": [], "progress": None,
               "now": utcnow(), "embed_kind": embed_kind, "render_markdown": render_markdown}
    statuses, shares = {}, {}
    if enrollment is not None:
        progress = course_progress(user, enrollment.id)
        statuses = {m.module_id: m for m in progress.modules}
        context["progress"] = progress
        context["predicted_finish"] = predicted_completion(
            enrolled_at=enrollment.enrolled_at, last_activity_at=enrollment.last_activity_at,
            completed=progress.completed_modules, total=progress.total_modules, now=context["now"],
            course_seconds_per_module=course_pace_seconds(course_id))
        ruled = [module.id for module in course.modules if module.completion_rule != "manual"]
        shares = content_views.module_shares(enrollment.id, ruled) if ruled else {}
    for module in course.modules:
        status = statuses.get(module.id)
        completed = bool(status and status.completed)
        context["modules"].append(ModuleView(
            module.id, module.position, module.title, module.description, module.contents,
            bool(status and status.started), completed,
            status.started_at if status else None, status.completed_at if status else None,
            module.completion_rule, module.watch_percent, status.completed_by if status else None,
            shares.get(module.id)))
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


@bp.post("/courses/<int:course_id>/contents/<int:content_id>/views")
@login_required()
def record_view(course_id: int, content_id: int):
    """The course page's report of a content opened or played (app.js): JSON, as the API's."""
    enrollment = _my_enrollment(course_id)
    body = parse_json_body(ViewIn)
    state = content_views.record_view(current_user, content_id, enrollment.id, body.played_ranges, body.duration)
    return jsonify(dump(ViewOut, state))


@bp.post("/courses/<int:course_id>/modules/<int:module_id>/heartbeat")
@login_required()
def heartbeat(course_id: int, module_id: int):
    """The course page's heartbeat (app.js) while its learner works on a module: 204."""
    enrollment = _my_enrollment(course_id)
    active_time.record_heartbeat(current_user, enrollment.id, module_id)
    return "", 204


def course_live_view(user, arg) -> LiveView:
    """The course page, live: the learner's own changes in this course and edits of it."""
    course_id = id_in(arg) or 0
    get_course(user, course_id)  # 404 unless the user may see it
    user_id = user.id

    def wants(message: dict) -> bool:
        if message.get("type") == "import.applied":
            return course_id in message.get("courseIds", ()) and user_id in message.get("userIds", ())
        if message.get("courseId") != course_id or message.get("type") == "content.viewed":
            return False  # a view's own answer updates the page (app.js)
        return message.get("userId") == user_id or message.get("type") in ("course.updated", "course.deleted")

    def render() -> str:
        return render_template("progress/_live.html",
                               **course_page_context(db.session.get(User, user_id), course_id))

    return LiveView(wants=wants, render=render)


LIVE_VIEWS = {"course": course_live_view}
