"""The instructor dashboard: my courses, a course's analytics, its students.

Every page is also a fragment: htmx requests for the student list and the heatmap get
just that section (search as you type, sort, paginate), and the live view pushes the
figures and charts while those two sections refresh themselves with their own filters.
"""
from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_login import current_user
from pydantic import ValidationError

from ..auth.access import login_required
from ..auth.models import User
from ..errors import NotFound
from ..extensions import db
from ..progress.service import course_progress
from ..web.htmx import page_or_fragment
from . import service
from .dashboard import dashboard_context
from .schemas import StudentQuery

bp = Blueprint("teach", __name__, url_prefix="/teach")
STAFF = ("instructor", "admin")
STUDENTS_PER_PAGE = 25
HEATMAP_PER_PAGE = 20


def _student_query() -> StudentQuery:
    """The list's filters from the query string; nonsense falls back to the defaults."""
    values = {k: v for k, v in request.args.items() if k in ("q", "sort", "page", "perPage") and v != ""}
    try:
        return StudentQuery.model_validate(values)
    except ValidationError:
        return StudentQuery()


@bp.get("")
@login_required(*STAFF)
def my_courses():
    return render_template("teach/my_courses.html", courses=service.courses_overview(current_user))


@bp.get("/courses/<int:course_id>")
@login_required(*STAFF)
def course_dashboard(course_id: int):
    query = _student_query()
    return render_template(
        "teach/course.html", course_id=course_id, query=query,
        students=service.course_students(current_user, course_id, query.q, query.sort, query.page,
                                         STUDENTS_PER_PAGE),
        grid=service.student_module_grid(current_user, course_id, query.sort, query.q, 1, HEATMAP_PER_PAGE),
        **dashboard_context(current_user, course_id))


@bp.get("/courses/<int:course_id>/students")
@login_required(*STAFF)
def students(course_id: int):
    query = _student_query()
    page = service.course_students(current_user, course_id, query.q, query.sort, query.page, STUDENTS_PER_PAGE)
    return page_or_fragment("teach/students_page.html", "teach/_students.html", course_id=course_id,
                            query=query, students=page, title=service.course_for_analytics(current_user, course_id).title)


@bp.get("/courses/<int:course_id>/heatmap")
@login_required(*STAFF)
def heatmap(course_id: int):
    query = _student_query()
    grid = service.student_module_grid(current_user, course_id, query.sort, query.q, query.page, HEATMAP_PER_PAGE)
    return page_or_fragment("teach/heatmap_page.html", "teach/_heatmap.html", course_id=course_id,
                            query=query, grid=grid)


@bp.get("/courses/<int:course_id>/students.csv")
@login_required(*STAFF)
def students_csv(course_id: int):
    query = _student_query()
    lines = service.students_csv_rows(current_user, course_id, query.q, query.sort)
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="course-{course_id}-students.csv"'})


@bp.get("/courses/<int:course_id>/students/<int:enrollment_id>")
@login_required(*STAFF)
def student_detail(course_id: int, enrollment_id: int):
    service.course_for_analytics(current_user, course_id)
    progress = course_progress(current_user, enrollment_id)
    if progress.course_id != course_id:
        raise NotFound("No such student in this course.")
    student = db.session.get(User, progress.user_id)
    return page_or_fragment("teach/student_page.html", "teach/_student_detail.html", course_id=course_id,
                            progress=progress, student=student,
                            back=url_for("teach.course_dashboard", course_id=course_id))
