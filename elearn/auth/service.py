"""Accounts: who may sign in, registration, and the admin's user management.

Operations flush but never commit: the request (or CLI command) commits once.
"""
from flask import current_app
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, Forbidden, NotFound, Unauthorized
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from ..text_search import contains_pattern
from .models import User

# Checked against when the email is unknown, so both failures take as long.
_DUMMY_HASH = generate_password_hash("elearn-timing-equaliser")


def hash_password(password: str) -> str:
    """Werkzeug's scrypt by default (memory-hard, salted, parameters kept in the hash).

    ``PASSWORD_HASH_METHOD`` exists so the test suite can use a cheap method; any stored
    hash keeps verifying whatever the current setting is.
    """
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User:
    """The user these credentials belong to, or Unauthorized/Forbidden.

    A disabled account is only told apart from a wrong password once the password is
    right, so the answer reveals nothing to someone guessing.
    """
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise Unauthorized("Wrong email or password.", code="bad_credentials")
    if not user.check_password(password):
        raise Unauthorized("Wrong email or password.", code="bad_credentials")
    if not user.active:
        raise Forbidden("This account is disabled.", code="account_disabled")
    return user


def create_user(email: str, password: str, name: str, role: str = "student") -> User:
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise Conflict("An account with this email already exists.", details={"email": email})
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    publish_after_commit({"type": "user.created", "userId": user.id, "role": user.role})
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def update_user(actor: User, user_id: int, *, name=None, role=None, active=None, timezone=None) -> User:
    """Admin edits. An admin cannot demote or disable themself (there may be no other)."""
    user = get_user(user_id)
    if user.id == actor.id and (role not in (None, "admin") or active is False):
        raise Conflict("You cannot remove your own admin rights or disable yourself.")
    if name is not None:
        user.name = name
    if role is not None:
        user.role = role
    if active is not None:
        user.active = active
    if timezone is not None:
        user.timezone = timezone
    db.session.flush()
    publish_after_commit({"type": "user.updated", "userId": user.id, "role": user.role, "active": user.active})
    return user


def list_users(q: str | None = None, role: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    stmt = select(User).order_by(User.id)
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    if role:
        stmt = stmt.where(User.role == role)
    return paginate(stmt, page, per_page)
