"""Requests to delete an account, each waiting for an admin's decision."""
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

PENDING, CONFIRMED, REJECTED, CANCELLED = "pending", "confirmed", "rejected", "cancelled"
REQUEST_STATUSES = (PENDING, CONFIRMED, REJECTED, CANCELLED)


class DeletionRequest(db.Model):
    """A user asked for their account to be deleted. An admin confirms it (the person is
    anonymised) or rejects it; the user may withdraw it while it waits. At most one waits
    per user (a partial unique index), so asking twice is the same request."""

    __tablename__ = "deletion_requests"
    __table_args__ = (
        Index("ix_deletion_requests_status_requested", "status", "requested_at"),
        Index("ix_deletion_requests_user_requested", "user_id", "requested_at"),
        Index("uq_deletion_requests_pending_user", "user_id", unique=True,
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(
        Enum(*REQUEST_STATUSES, name="deletion_request_status", native_enum=False, create_constraint=True,
             length=16),
        default=PENDING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The admin who confirmed or rejected it (None while it waits, or when the user withdrew it).
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
