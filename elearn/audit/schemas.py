"""API schemas for the audit log."""
from typing import Literal

from pydantic import Field

from ..schemas import Id, Moment, OutSchema, PageQuery, Timestamp
from .service import ACTIONS

Action = Literal[tuple(ACTIONS)]  # type: ignore[valid-type]


class AuditQuery(PageQuery):
    action: Action | None = None
    actor_id: Id | None = None
    since: Moment | None = Field(None, description="Entries at or after this time (ISO 8601 with offset).")


class AuditOut(OutSchema):
    id: int
    at: Timestamp
    actor_id: int | None
    action: str
    target_type: str | None
    target_id: int | None
    details: dict
