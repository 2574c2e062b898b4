"""The achievements table: each badge a user earned, once."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class Achievement(db.Model):
    """A badge a user earned, at most once per (user, key).

    ``key`` names the badge: ``first-module``, ``first-course``, ``streak-3``, ``streak-7``,
    ``streak-30`` or ``course-completed:<course id>`` (then ``course_id`` is set too, so
    deleting the course removes the badge with it). Awards are INSERT .. ON CONFLICT DO
    NOTHING on the unique key, so racing completions award a badge once.
    """

    __tablename__ = "achievements"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        # "A user's badges in the order earned".
        Index("ix_achievements_user_earned", "user_id", "earned_at"),
        # Every badge in time order: the platform's xAPI statements, and a replay's window.
        Index("ix_achievements_earned", "earned_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    # Indexed so that deleting a course finds its badges without a scan.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    earned_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp()
    )
