"""JSON mirrors of the course and admin dashboards, and the student list as a CSV download."""
from flask_jwt_extended import current_user

from ..web.downloads import csv_attachment
from ..web.json_api import CSV, JsonApi
from . import at_risk, service
from . import platform as platform_service
from .schemas import (
    AtRiskOut,
    CourseAnalyticsOut,
    LearningPatternsOut,
    LearningPatternsQuery,
    PageQuery,
    PlatformOut,
    PlatformQuery,
    RetentionOut,
    RetentionQuery,
    StudentFilter,
    StudentQuery,
    StudentRowOut,
)

api = JsonApi("analytics", __name__)


@api.operation("/analytics/courses/<int:course_id>", response=CourseAnalyticsOut, errors=(403, 404),
               read_ahead=lambda user_id, course_id: [service.analytics_entry(course_id)])
def course_analytics(course_id: int):
    """A course's enrollment, completion, per-module and drop-off figures (its instructor, admins)."""
    return service.course_analytics(current_user, course_id)


@api.operation("/analytics/courses/<int:course_id>/students", query=StudentQuery, response=StudentRowOut,
           paginated=True, errors=(403, 404))
def course_students(course_id: int, query: StudentQuery):
    """A course's students with their progress; ``q`` searches email and name (its instructor, admins)."""
    return service.course_students(current_user, course_id, query.q, query.sort, query.page, query.per_page,
                                   query.status)


@api.operation("/analytics/courses/<int:course_id>/students.csv", query=StudentFilter, media_type=CSV,
               errors=(403, 404))
def course_students_csv(course_id: int, query: StudentFilter):
    """The student list as a streamed CSV file (same filter and sort as the JSON list)."""
    lines = service.students_csv_rows(current_user, course_id, query.q, query.sort, query.status)
    return csv_attachment(lines, f"course-{course_id}-students.csv")


@api.operation("/analytics/courses/<int:course_id>/at-risk", query=PageQuery, response=AtRiskOut, paginated=True,
               errors=(403, 404))
def course_at_risk(course_id: int, query: PageQuery):
    """The course's learners at risk, the longest idle first, each with the signals that fired
    in words and a predicted finish (its instructor, admins)."""
    return at_risk.at_risk_learners(current_user, course_id, query.page, query.per_page)


# --- the admin dashboard ---------------------------------------------------------------------

@api.operation("/analytics/platform", query=PlatformQuery, response=PlatformOut, roles=("admin",))
def platform(query: PlatformQuery):
    """Users, courses, completion, revenue, top courses, engagement, 12 weeks of retention,
    UTC learning patterns and support tickets; ``page``/``perPage`` page the course table."""
    return platform_service.platform_overview(min_enrollments=query.min_enrollments, course_page=query.page,
                                              course_per_page=query.per_page)


@api.operation("/analytics/retention", query=RetentionQuery, response=RetentionOut, roles=("admin",))
def retention(query: RetentionQuery):
    """Weekly sign-up cohorts of students and the share active in each week since sign-up."""
    return {"weeks": query.weeks, "cohorts": platform_service.retention_cohorts(query.weeks)}


@api.operation("/analytics/learning-patterns", query=LearningPatternsQuery, response=LearningPatternsOut,
           roles=("admin",))
def learning_patterns(query: LearningPatternsQuery):
    """Activity by weekday and hour in the time zone ``tz`` over the last ``days`` days."""
    return platform_service.learning_patterns(query.tz, days=query.days)
