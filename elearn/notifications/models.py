"""What each user wants to hear about, and in which language."""
from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class NotificationPreferences(db.Model):
    """One user's choices; a user without a row hears of everything, in English. Each flag
    is one kind of notification (``preferences.KINDS``)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    messages: Mapped[bool] = mapped_column(default=True, server_default=true())
    inactivity: Mapped[bool] = mapped_column(default=True, server_default=true())
    streaks: Mapped[bool] = mapped_column(default=True, server_default=true())
    achievements: Mapped[bool] = mapped_column(default=True, server_default=true())
    digests: Mapped[bool] = mapped_column(default=True, server_default=true())
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
