"""Users, and their sign-ins (each browser session or API token pair, revocable)."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, func, true
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash

from ..db_types import BigId, UTCDateTime, utcnow
from ..extensions import db

ROLES = ("student", "instructor", "admin")
#: The password hash of an invited account until its invitation is accepted: it matches no password.
INVITED_PASSWORD = "!invited"
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

    #: The sign-in this request came with (set when the session or token is checked);
    #: not a column.
    sign_in_id = None

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """Flask-Login's alternative id: the sign-in (and its user, whose cache generation
        the check is read under), not the user alone, so that revoking the sign-in ends the
        session and its remember-me cookie. The "s" keeps an old session holding a plain
        user id from ever naming a sign-in."""
        return f"s{self.sign_in_id}.{self.id}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


SIGN_IN_KINDS = ("browser", "api")


class SignIn(db.Model):
    """One sign-in: a browser session (with its remember-me cookie) or an API token pair.

    Sessions and tokens name their sign-in; each request checks it is not revoked.
    Signing out revokes it; signing out everywhere, a password change or deactivation
    revokes the user's others (or all). ``refresh_jti`` is the one refresh token an API
    sign-in may use next: each refresh replaces it, and presenting an old one revokes the
    sign-in (a stolen token was used).
    """

    __tablename__ = "sign_ins"
    __table_args__ = (Index("ix_sign_ins_user_revoked", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(
        Enum(*SIGN_IN_KINDS, name="sign_in_kind", native_enum=False, create_constraint=True, length=16))
    refresh_jti: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
