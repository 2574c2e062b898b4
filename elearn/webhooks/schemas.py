"""API schemas of webhooks."""
from typing import Literal

from pydantic import Field

from ..schemas import InSchema, OutSchema, PageQuery, Timestamp

EventType = Literal["progress.updated", "achievement.earned", "enrollment.created", "course.created",
                    "course.updated", "course.deleted", "user.created", "user.updated", "import.applied"]


class WebhookIn(InSchema):
    url: str = Field(min_length=1, max_length=2000)
    #: Signs every delivery; the receiver keeps the same secret to check it.
    secret: str = Field(min_length=16, max_length=200)
    events: list[EventType] = Field(min_length=1, max_length=20)


class WebhookOut(OutSchema):
    id: int
    url: str
    events: list[str]
    created_at: Timestamp
    failing_since: Timestamp | None
    paused_at: Timestamp | None
    last_success_at: Timestamp | None


class DeliveryQuery(PageQuery):
    pass


class DeliveryOut(OutSchema):
    id: int
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_status: int | None
    latency_ms: int | None
    response_snippet: str | None
    created_at: Timestamp
    delivered_at: Timestamp | None
