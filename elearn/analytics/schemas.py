"""API schemas for course and platform analytics."""
from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from ..schemas import InSchema, OutSchema, PageQuery, Timestamp

StudentSort = Literal["percentage", "-percentage", "lastActivityAt", "-lastActivityAt",
                      "email", "-email", "name", "-name"]


StudentStatus = Literal["at-risk", "inactive", "not-started", "below-25", "completed"]


class StudentFilter(InSchema):
    q: str | None = Field(None, max_length=254, description="Part of the email or name, matched as typed.")
    sort: StudentSort = "-lastActivityAt"
    status: StudentStatus | None = Field(None, description=(
        "Only these students: at-risk (any at-risk signal), inactive (not finished and no activity for the "
        "course's atRiskAfterDays, 14 unless set), not-started "
        "(no activity yet), below-25 (not finished, under 25% of the modules), completed."))


class StudentQuery(StudentFilter, PageQuery):
    def address_args(self) -> dict:
        """The list's state as its address carries it: only what differs from the plain
        list (a search, a filter, another sort, a later page), so the plain address stays
        plain (None values are left out of a URL)."""
        default_sort = type(self).model_fields["sort"].default
        return {"q": self.q or None, "sort": self.sort if self.sort != default_sort else None,
                "status": self.status, "page": self.page if self.page > 1 else None}


class ModuleAnalyticsOut(OutSchema):
    module_id: int
    title: str
    order: int
    started_count: int
    completed_count: int
    completion_rate: float
    average_hours_to_complete: float | None


class DropOffOut(OutSchema):
    module_id: int
    learners: int


class CourseAnalyticsOut(OutSchema):
    course_id: int
    title: str
    total_enrollments: int
    # The alias generator would write "activeLearners7D".
    active_learners_7d: int = Field(alias="activeLearners7d")
    average_completion: float
    completed_enrollments: int
    completion_rate: float
    average_days_to_complete: float | None
    modules: list[ModuleAnalyticsOut]
    most_completed_module_id: int | None
    least_completed_module_id: int | None
    drop_off: list[DropOffOut]


class StudentRowOut(OutSchema):
    user_id: int
    email: str
    name: str
    enrollment_id: int
    completed_modules: int
    total_modules: int
    percentage: float
    last_activity_at: Timestamp | None


class AtRiskQuery(PageQuery):
    panel: bool = False  # the course page's short panel rather than the whole list


class SignalOut(OutSchema):
    code: Literal["inactive", "stalled", "behind_pace", "not_started"]
    message: str
    since: Timestamp | None


class AtRiskOut(OutSchema):
    enrollment_id: int
    user_id: int
    email: str
    name: str
    completed_modules: int
    total_modules: int
    percentage: float
    last_activity_at: Timestamp | None
    predicted_completion_at: Timestamp | None
    signals: list[SignalOut]


# --- platform analytics (admin dashboard) -------------------------------------------------

class PlatformQuery(PageQuery):
    """``page`` and ``perPage`` page the course completion table."""

    min_enrollments: int = Field(5, ge=1, le=1_000_000,
                                 description="Enrollments a course needs to rank by completion rate.")


class RetentionQuery(InSchema):
    weeks: int = Field(12, ge=1, le=52)


class LearningPatternsQuery(InSchema):
    tz: str = Field("UTC", min_length=1, max_length=64, description="An IANA time zone, e.g. Europe/Berlin.")
    days: int = Field(90, ge=1, le=366)


class UserCountsOut(OutSchema):
    total: int
    students: int
    instructors: int
    admins: int


class MonthRevenueOut(OutSchema):
    month: str
    cents: int


class CourseFiguresOut(OutSchema):
    course_id: int
    title: str
    published: bool
    enrollments: int
    completed: int
    completion_rate: float
    average_completion: float
    revenue_cents: int
    #: Learners at risk when last counted (every 15 minutes, in the background); null until then.
    at_risk: int | None


class RevenueOut(OutSchema):
    total_cents: int
    by_month: list[MonthRevenueOut]
    by_course: list[CourseFiguresOut]


class CourseFiguresPageOut(OutSchema):
    items: list[CourseFiguresOut]
    page: int
    per_page: int
    total: int


class WeeklyActiveOut(OutSchema):
    week_start: date
    learners: int


class EngagementOut(OutSchema):
    dau: int
    wau: int
    mau: int
    weekly: list[WeeklyActiveOut]


class CohortOut(OutSchema):
    week_start: date
    size: int
    active: list[int]
    retention: list[float]


class WeekdayActivityOut(OutSchema):
    weekday: int
    name: str
    hours: list[int]
    total: int


class LearningPatternsOut(OutSchema):
    timezone: str
    days: int
    since: Timestamp
    until: Timestamp
    total: int
    peak: int
    weekdays: list[WeekdayActivityOut]


class RetentionOut(OutSchema):
    weeks: int
    cohorts: list[CohortOut]


class TicketCountsOut(OutSchema):
    open: int
    closed: int
    median_hours_to_close: float | None


class PlatformOut(OutSchema):
    users: UserCountsOut
    total_courses: int
    total_enrollments: int
    completed_enrollments: int
    completion_rate: float
    revenue: RevenueOut
    top_courses: list[CourseFiguresOut]  # by completion rate
    top_courses_by_enrollments: list[CourseFiguresOut]
    course_completion: CourseFiguresPageOut
    engagement: EngagementOut
    retention: list[CohortOut]  # 12 weeks
    learning_patterns: list[WeekdayActivityOut]  # UTC, 90 days
    support_tickets: TicketCountsOut

    @model_validator(mode="before")
    @classmethod
    def _from_overview(cls, overview):
        """Flatten a ``PlatformOverview``: the contract's ``topCourses`` and
        ``learningPatterns`` are lists."""
        if isinstance(overview, dict):
            return overview
        return {
            **{name: getattr(overview, name) for name in (
                "users", "total_courses", "total_enrollments", "completed_enrollments", "completion_rate",
                "revenue", "course_completion", "engagement", "retention", "support_tickets")},
            "top_courses": overview.top_courses.by_completion_rate,
            "top_courses_by_enrollments": overview.top_courses.by_enrollments,
            "learning_patterns": overview.learning_patterns.weekdays,
        }
