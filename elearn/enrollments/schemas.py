"""API schemas for enrollments."""


from ..schemas import Id, InSchema, OutSchema, PageQuery, Timestamp


class EnrollmentIn(InSchema):
    course_id: Id
    user_id: Id | None = None


class EnrollmentQuery(PageQuery):
    user_id: Id | None = None


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
