"""API schemas for enrollments."""

from pydantic import Field

from ..schemas import InSchema, OutSchema, PageQuery, Timestamp


class EnrollmentIn(InSchema):
    course_id: int = Field(ge=1)
    user_id: int | None = Field(None, ge=1)


class EnrollmentQuery(PageQuery):
    user_id: int | None = Field(None, ge=1)


class EnrollmentOut(OutSchema):
    id: int
    user_id: int
    course_id: int
    enrolled_at: Timestamp
    price_paid_cents: int
    completed_at: Timestamp | None
    last_activity_at: Timestamp | None


class EnrollmentSummaryOut(EnrollmentOut):
    course_title: str
    total_modules: int
    completed_modules: int
    percentage: float
