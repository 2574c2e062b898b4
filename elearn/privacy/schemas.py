"""API schemas for a person's own data and deletion requests."""
from typing import Literal

from ..notifications.schemas import PreferencesOut
from ..schemas import OutSchema, PageQuery, Timestamp
from .models import REQUEST_STATUSES

RequestStatus = Literal[REQUEST_STATUSES]  # type: ignore[valid-type]


class YourProfileOut(OutSchema):
    id: int
    email: str
    name: str
    role: str
    timezone: str
    created_at: Timestamp


class YourEnrollmentOut(OutSchema):
    id: int
    course_id: int
    course_title: str
    enrolled_at: Timestamp
    price_paid_cents: int
    completed_modules: int
    completed_at: Timestamp | None
    last_activity_at: Timestamp | None


class YourProgressRecordOut(OutSchema):
    id: int
    enrollment_id: int
    course_id: int
    module_id: int
    module_title: str
    completed: bool
    started_at: Timestamp
    completed_at: Timestamp | None
    updated_at: Timestamp
    active_seconds: int


class YourActivityOut(OutSchema):
    id: int
    course_id: int
    enrollment_id: int
    module_id: int | None
    kind: str
    occurred_at: Timestamp


class YourBadgeOut(OutSchema):
    key: str
    title: str
    course_id: int | None
    course_title: str | None
    earned_at: Timestamp


class YourTicketReplyOut(OutSchema):
    id: int
    #: The reply's author by name only: yours, or an admin's.
    author_name: str
    mine: bool
    body: str
    created_at: Timestamp


class YourTicketOut(OutSchema):
    id: int
    subject: str
    body: str
    status: str
    created_at: Timestamp
    closed_at: Timestamp | None
    replies: list[YourTicketReplyOut]


class YourReceivedMessageOut(OutSchema):
    message_id: int
    subject: str
    body: str
    #: The sender by name only (none for elearn's own notes).
    sender_name: str | None
    course_id: int | None
    course_title: str | None
    reply_to_id: int | None
    notice: bool
    created_at: Timestamp
    read_at: Timestamp | None


class YourSentMessageOut(OutSchema):
    id: int
    subject: str
    body: str
    course_id: int | None
    reply_to_id: int | None
    recipient_count: int
    created_at: Timestamp


class YourSignInOut(OutSchema):
    id: int
    kind: str
    created_at: Timestamp
    revoked_at: Timestamp | None


class YourEmailOut(OutSchema):
    kind: str
    subject: str
    body: str
    status: str
    created_at: Timestamp
    sent_at: Timestamp | None


class DeletionRequestOut(OutSchema):
    id: int
    status: RequestStatus
    requested_at: Timestamp
    decided_at: Timestamp | None


class YourDataOut(OutSchema):
    generated_at: Timestamp
    profile: YourProfileOut
    enrollments: list[YourEnrollmentOut]
    progress: list[YourProgressRecordOut]
    activity: list[YourActivityOut]
    badges: list[YourBadgeOut]
    tickets: list[YourTicketOut]
    inbox: list[YourReceivedMessageOut]
    sent_messages: list[YourSentMessageOut]
    notification_preferences: PreferencesOut
    sign_ins: list[YourSignInOut]
    emails: list[YourEmailOut]
    deletion_requests: list[DeletionRequestOut]


class DeletionRequestQuery(PageQuery):
    status: RequestStatus = "pending"


class DeletionRequestAdminOut(DeletionRequestOut):
    """A request with the person as they are now (anonymised once it is confirmed)."""

    user_id: int
    email: str
    name: str
    role: str
    decided_by_id: int | None
