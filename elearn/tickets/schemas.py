"""API schemas for support tickets."""
from typing import Literal

from pydantic import Field

from ..schemas import InSchema, OutSchema, PageQuery, Timestamp
from .service import BODY_MAX, SUBJECT_MAX

TicketStatus = Literal["open", "closed"]


class TicketIn(InSchema):
    subject: str = Field(min_length=1, max_length=SUBJECT_MAX)
    body: str = Field(min_length=1, max_length=BODY_MAX)


class TicketStatusIn(InSchema):
    status: TicketStatus


class ReplyIn(InSchema):
    body: str = Field(min_length=1, max_length=BODY_MAX)


class TicketQuery(PageQuery):
    status: TicketStatus | None = None


class TicketOut(OutSchema):
    id: int
    user_id: int
    subject: str
    body: str
    status: TicketStatus
    created_at: Timestamp
    closed_at: Timestamp | None


class TicketSummaryOut(TicketOut):
    user_email: str
    user_name: str
    reply_count: int


class ReplyOut(OutSchema):
    id: int
    ticket_id: int
    author_id: int
    author_name: str
    author_role: str
    body: str
    created_at: Timestamp


class TicketDetailOut(TicketOut):
    user_email: str
    user_name: str
    replies: list[ReplyOut]
