"""API schemas of the dead-letter list (admins)."""
from ..schemas import OutSchema, PageQuery, Timestamp


class FailedJobQuery(PageQuery):
    pass


class FailedJobOut(OutSchema):
    id: int
    task: str
    args: list
    attempts: int
    error: str
    failed_at: Timestamp
