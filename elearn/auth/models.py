"""The user table."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, String, func, true
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

ROLES = ("student", "instructor", "admin")
Role = Enum(*ROLES, name="user_role", native_enum=False, create_constraint=True, length=16)


class User(UserMixin, db.Model):
    """A person who signs in. Emails are stored lower-cased, so uniqueness is case-blind."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(Role, default="student", index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp(), index=True
    )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
