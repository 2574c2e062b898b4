"""JSON mirrors of the course and admin dashboards, and the student list as a CSV download."""
from flask import Response, stream_with_context
from flask_jwt_extended import current_user, verify_jwt_in_request

from ..web.api import api_route, bp, parse_query
from . import platform as platform_service
from . import service
from .schemas import (CourseAnalyticsOut, LearningPatternsOut, LearningPatternsQuery, PlatformOut, PlatformQuery,
                      RetentionOut, RetentionQuery, StudentFilter, StudentQuery, StudentRowOut)


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


# --- the admin dashboard ---------------------------------------------------------------------

@api_route("/analytics/platform", query=PlatformQuery, response=PlatformOut, roles=("admin",))
def platform(query: PlatformQuery):
    """Users, courses, completion, revenue, top courses, engagement, 12 weeks of retention,
    UTC learning patterns and support tickets; ``page``/``perPage`` page the course table."""
    return platform_service.platform_overview(min_enrollments=query.min_enrollments, course_page=query.page,
                                              course_per_page=query.per_page)


@api_route("/analytics/retention", query=RetentionQuery, response=RetentionOut, roles=("admin",))
def retention(query: RetentionQuery):
    """Weekly sign-up cohorts of students and the share active in each week since sign-up."""
    return {"weeks": query.weeks, "cohorts": platform_service.retention_cohorts(query.weeks)}


@api_route("/analytics/learning-patterns", query=LearningPatternsQuery, response=LearningPatternsOut,
           roles=("admin",))
def learning_patterns(query: LearningPatternsQuery):
    """Activity by weekday and hour in the time zone ``tz`` over the last ``days`` days."""
    return platform_service.learning_patterns(query.tz, days=query.days)
