"""API schemas for messages."""
from typing import Literal

from flask_babel import gettext
from pydantic import Field, model_validator

from ..schemas import Id, InSchema, OutSchema, PageQuery, Timestamp


class MessageIn(InSchema):
    """Chosen ``recipientIds`` (of ``courseId``'s learners when it is given), or a course's
    learners by ``filter``, or, for admins, an ``audience`` of the whole platform."""

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    recipient_ids: list[Id] | None = Field(None, max_length=1000)
    course_id: Id | None = None
    filter: Literal["all", "at_risk"] | None = None
    audience: Literal["everyone", "students", "instructors", "admins"] | None = None

    @model_validator(mode="after")
    def _one_audience(self):
        if self.filter and self.course_id is None:
            raise ValueError(gettext("Give the course (courseId) whose learners the filter chooses."))
        chosen = [bool(self.recipient_ids), bool(self.filter), bool(self.audience)]
        if sum(chosen) != 1:
            raise ValueError(gettext("Give exactly one of recipientIds, courseId with filter, or audience."))
        return self


class MessageReplyIn(InSchema):
    body: str = Field(min_length=1, max_length=20_000)


class SentOut(OutSchema):
    id: int
    recipients: int


class InboxItemOut(OutSchema):
    message_id: int
    subject: str
    body: str
    sender_id: int | None
    sender_name: str | None
    course_id: int | None
    course_title: str | None
    reply_to_id: int | None
    #: From elearn itself (a reminder, a badge): no sender to reply to.
    notice: bool
    created_at: Timestamp
    read_at: Timestamp | None


class InboxOut(OutSchema):
    items: list[InboxItemOut]
    page: int
    per_page: int
    total: int
    unread: int


class InboxQuery(PageQuery):
    unread: bool = False


class CourseMessageForm(InSchema):
    """The course page's form: ``audience`` "selected" sends to the ticked ``recipientIds``."""

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    audience: Literal["selected", "all", "at_risk"] = "selected"
    recipient_ids: list[Id] | None = None

    @model_validator(mode="after")
    def _someone(self):
        if self.audience == "selected" and not self.recipient_ids:
            raise ValueError(gettext(
                "Tick the learners to write to in the student list, or choose all or those at risk."))
        return self


class PlatformMessageForm(InSchema):
    """The admin's form: everyone, or everyone of a role."""

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    audience: Literal["everyone", "students", "instructors", "admins"] = "everyone"
