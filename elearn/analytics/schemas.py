"""API schemas for course analytics (CONTRACT.md "Analytics")."""
from typing import Literal

from pydantic import Field

from ..schemas import InSchema, OutSchema, PageQuery, Timestamp

StudentSort = Literal["percentage", "-percentage", "lastActivityAt", "-lastActivityAt",
                      "email", "-email", "name", "-name"]


class StudentFilter(InSchema):
    q: str | None = Field(None, max_length=254, description="Part of the email or name, matched as typed.")
    sort: StudentSort = "-lastActivityAt"


class StudentQuery(StudentFilter, PageQuery):
    pass


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
