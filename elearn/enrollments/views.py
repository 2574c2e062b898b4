"""The Enroll button of a course page."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from ..errors import Conflict
from ..web.access import login_required
from ..web.htmx import hx_redirect, is_htmx
from . import service

bp = Blueprint("enrollments", __name__)


@bp.post("/courses/<int:course_id>/enroll")
@login_required()
def enroll(course_id: int):
    try:
        service.enroll(current_user, course_id)
    except Conflict:
        pass  # enrolled already (another tab): carry on to the course
    target = url_for("progress.course_page", course_id=course_id)
    return hx_redirect(target) if is_htmx() else redirect(target, 303)
