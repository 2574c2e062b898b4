"""The learner's buttons on a course page: Start, Mark complete, Undo.

htmx gets the module row back (its target) plus ``<hx-partial>``s for the course bar and
the overall chip; a plain form post is redirected back to the module on the page.
"""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from ..auth.access import login_required
from ..enrollments.service import enrollment_of
from ..errors import Conflict, NotFound
from ..web.htmx import is_htmx
from . import service
from .course_page import course_page_context

bp = Blueprint("progress", __name__)


@bp.post("/courses/<int:course_id>/modules/<int:module_id>/<any(start, complete, undo):action>")
@login_required()
def change_module(course_id: int, module_id: int, action: str):
    enrollment = enrollment_of(current_user.id, course_id)
    if enrollment is None:
        raise NotFound("You are not enrolled in this course.")
    if action == "complete":
        service.mark_module_completed(current_user, enrollment.id, module_id)
    elif action == "undo":
        service.set_module_completed(current_user, enrollment.id, module_id, False)
    else:
        try:
            service.start_module(current_user, enrollment.id, module_id)
        except Conflict:
            pass  # already started, perhaps in another tab: show the current state
    if not is_htmx():
        return redirect(url_for("catalog.course_page", course_id=course_id) + f"#module-{module_id}", 303)
    context = course_page_context(current_user, course_id)
    module = next((m for m in context["modules"] if m.id == module_id), None)
    if module is None:
        abort(404)
    return render_template("progress/_module_response.html", module=module, **context)
