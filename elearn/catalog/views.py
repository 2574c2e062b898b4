"""The catalog pages: search as you type, a course's page, enrolling."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from pydantic import ValidationError
from sqlalchemy import select

from ..auth.access import login_required
from ..enrollments import service as enrollments
from ..enrollments.models import Enrollment
from ..errors import Conflict
from ..extensions import db
from ..progress.course_page import course_page_context
from ..web.htmx import hx_redirect, is_htmx, page_or_fragment
from . import service
from .schemas import CourseQuery

bp = Blueprint("catalog", __name__)
PER_PAGE = 12


@bp.get("/courses")
@login_required()
def index():
    try:
        query = CourseQuery.model_validate({k: v for k, v in request.args.items() if v != ""})
    except ValidationError:
        query = CourseQuery()
    page = service.list_courses(current_user, query.q, query.category_id, query.difficulty_id,
                                page=query.page, per_page=PER_PAGE)
    enrolled = set(db.session.scalars(
        select(Enrollment.course_id).where(Enrollment.user_id == current_user.id)))
    return page_or_fragment(
        "catalog/index.html", "catalog/_results.html", results=page, query=query, enrolled=enrolled,
        categories=service.list_categories(), difficulties=service.list_difficulties())


@bp.get("/courses/<int:course_id>")
@login_required()
def course_page(course_id: int):
    return render_template("catalog/course.html", **course_page_context(current_user, course_id))


@bp.post("/courses/<int:course_id>/enroll")
@login_required()
def enroll(course_id: int):
    try:
        enrollments.enroll(current_user, course_id)
    except Conflict:
        pass  # enrolled already (another tab): carry on to the course
    target = url_for("catalog.course_page", course_id=course_id)
    if is_htmx():
        return hx_redirect(target)
    return redirect(target, 303)
