"""API schemas of the outbox (admins)."""
from typing import Literal

from pydantic import Field

from ..schemas import OutSchema, PageQuery, Timestamp

Status = Literal["queued", "sent", "logged"]


class OutboxQuery(PageQuery):
    status: Status | None = None


class OutboxEmailOut(OutSchema):
    id: int
    key: str
    kind: str
    user_id: int | None
    course_id: int | None
    to_address: str
    subject: str
    body: str = Field(validation_alias="readable_body", description="Links' signed tokens left out.")
    status: Status
    attempts: int
    last_error: str | None
    created_at: Timestamp
    sent_at: Timestamp | None

