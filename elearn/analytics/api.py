"""JSON mirror of the course dashboard, and the student list as a CSV download."""
from flask import Response, stream_with_context
from flask_jwt_extended import current_user, verify_jwt_in_request

from ..web.api import api_route, bp, parse_query
from . import service
from .schemas import CourseAnalyticsOut, StudentFilter, StudentQuery, StudentRowOut


@api_route("/analytics/courses/<int:course_id>", response=CourseAnalyticsOut, errors=(403, 404))
def course_analytics(course_id: int):
    """A course's enrollment, completion, per-module and drop-off figures (its instructor, admins)."""
    return service.course_analytics(current_user, course_id)


@api_route("/analytics/courses/<int:course_id>/students", query=StudentQuery, response=StudentRowOut,
           paginated=True, errors=(403, 404))
def course_students(course_id: int, query: StudentQuery):
    """A course's students with their progress; ``q`` searches email and name (its instructor, admins)."""
    return service.course_students(current_user, course_id, query.q, query.sort, query.page, query.per_page)


@bp.get("/analytics/courses/<int:course_id>/students.csv", endpoint="analytics_course_students_csv")
def course_students_csv(course_id: int):
    """The student list as a streamed CSV file (same filter and sort as the JSON list)."""
    verify_jwt_in_request()
    query = parse_query(StudentFilter)
    lines = service.students_csv_rows(current_user, course_id, query.q, query.sort)
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="course-{course_id}-students.csv"'})
