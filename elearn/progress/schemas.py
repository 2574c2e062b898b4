"""API schemas for progress."""
from typing import Annotated, Literal

from flask_babel import gettext
from pydantic import Field, field_validator

from ..schemas import MAX_ID, Id, InSchema, OutSchema, PageQuery, Timestamp


class ProgressIn(InSchema):
    enrollment_id: Id
    module_id: Id
    completed: bool = False


class ProgressUpdateIn(InSchema):
    completed: bool


class ProgressQuery(PageQuery):
    user_id: Id | None = None
    q: str | None = Field(None, max_length=254, description="Part of the learner's email or name, as typed.")
    course_id: Id | None = None
    completed: bool | None = None


class BulkItemIn(InSchema):
    enrollment_id: Id
    module_id: Id
    completed: bool


class BulkIn(InSchema):
    items: list[BulkItemIn] = Field(min_length=1, max_length=1000)


class BatchQuery(InSchema):
    ids: str = Field(description="Comma-separated enrollment ids (at most 100).", max_length=2000)

    @field_validator("ids")
    @classmethod
    def _ids(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts or not all(p.isascii() and p.isdigit() and 0 < int(p) <= MAX_ID for p in parts):
            raise ValueError(gettext("expected comma-separated positive integers"))
        if len(parts) > 100:
            raise ValueError(gettext("at most %(count)s ids", count=100))
        return value

    def id_list(self) -> list[int]:
        return [int(p) for p in self.ids.split(",") if p.strip()]


class ProgressOut(OutSchema):
    id: int
    enrollment_id: int
    module_id: int
    completed: bool
    started_at: Timestamp
    completed_at: Timestamp | None
    updated_at: Timestamp


class ProgressRecordOut(ProgressOut):
    """A stored record as the reads return it, with the time spent on its module."""

    active_seconds: int = Field(description="Seconds the learner was active on the module's page.")


class HeartbeatIn(InSchema):
    enrollment_id: Id
    module_id: Id


class ViewIn(InSchema):
    """A content opened, and for a video or audio the ranges of it played, in seconds."""

    enrollment_id: Id
    played_ranges: list[tuple[Annotated[float, Field(ge=0, le=86_400)], Annotated[float, Field(ge=0, le=86_400)]]] | None = \
        Field(None, max_length=1000, description="[[startSeconds, endSeconds], …] actually played.")
    duration: float | None = Field(None, gt=0, le=86_400, description="The media's length in seconds.")


class ViewModuleOut(OutSchema):
    module_id: int
    completed: bool
    #: "learner" (their click) or "rule" (the module's completion rule); null until completed.
    completed_by: Literal["learner", "rule"] | None


class ViewOut(OutSchema):
    content_id: int
    #: The share of a video or audio played (0 to 100); null for other contents.
    watched_percent: float | None
    module: ViewModuleOut


class ModuleStatusOut(OutSchema):
    module_id: int
    title: str
    order: int
    started: bool
    completed: bool
    started_at: Timestamp | None
    completed_at: Timestamp | None
    #: "learner" (their click) or "rule" (the module's completion rule); null until completed.
    completed_by: Literal["learner", "rule"] | None = None


class CourseProgressOut(OutSchema):
    enrollment_id: int
    course_id: int
    course_title: str
    total_modules: int
    completed_modules: int
    percentage: float
    modules: list[ModuleStatusOut]


class CourseProgressListOut(OutSchema):
    items: list[CourseProgressOut]


class CourseSummaryOut(OutSchema):
    course_id: int
    enrollment_id: int
    title: str
    total_modules: int
    completed_modules: int
    percentage: float


class OverallOut(OutSchema):
    total_courses: int
    total_modules: int
    completed_modules: int
    percentage: float
    courses: list[CourseSummaryOut]


class BulkErrorOut(OutSchema):
    code: str
    message: str


class BulkResultOut(OutSchema):
    index: int
    enrollment_id: int
    module_id: int
    status: Literal["changed", "unchanged", "error"]
    record: ProgressOut | None = None
    error: BulkErrorOut | None = None


class BulkOut(OutSchema):
    results: list[BulkResultOut]
    changed: int
    unchanged: int
    errors: int
