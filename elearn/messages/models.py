"""A message and the inbox entry of each of its recipients."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class Message(db.Model):
    """What was written, once, however many received it. A reply names the message it
    answers and goes to that message's sender."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_course_created", "course_id", "created_at"),
        Index("ix_messages_reply_to", "reply_to_id"),
        Index("ix_messages_sender", "sender_id"),  # deleting a user sets their messages' sender to NULL
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    recipient_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: From elearn itself (a reminder, a badge): no sender, nobody to reply to.
    notice: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxEntry(db.Model):
    """One recipient's copy: read or not. The unread count is an index range."""

    __tablename__ = "inbox_entries"
    __table_args__ = (
        UniqueConstraint("message_id", "user_id"),
        Index("ix_inbox_entries_user_message", "user_id", "message_id"),
        Index("ix_inbox_entries_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
