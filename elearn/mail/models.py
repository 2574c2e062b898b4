"""The outbox: every email elearn sent, is sending, or (without ``MAIL_URL``) only logged."""
import re
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

QUEUED, SENT, LOGGED = "queued", "sent", "logged"

#: The signed token of a link elearn writes into an email that acts as its recipient: an
#: invitation's (``/welcome/<token>``), an unsubscribe link's (``/unsubscribe/<token>``).
_SIGNED_TOKEN = re.compile(r"(/(?:welcome|unsubscribe)/)[A-Za-z0-9_.-]+")


class OutboxEmail(db.Model):
    """One email to one address. ``key`` names what it is about (``message:12:34``,
    ``inactive:56:2026-11-20``): a second email with the same key is never written, so a
    job that runs twice sends once. ``kind`` is the preference it falls under."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        Index("ix_outbox_emails_created", "created_at"),
        Index("ix_outbox_emails_user_kind_course", "user_id", "kind", "course_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def readable_body(self) -> str:
        """The body as the outbox shows it to admins: each link's signed token left out.
        The link acts as its recipient: an invitation's sets the password of the account."""
        return _SIGNED_TOKEN.sub(r"\1…", self.body)
