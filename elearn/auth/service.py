"""Accounts: who may sign in, registration, passwords, and the admin's user management.

Operations flush but never commit: the request (or CLI command) commits once. Refused
sign-ins, password changes and the admin's changes to users are written to the audit log.
"""
from flask import current_app
from flask_babel import gettext
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import service as audit
from ..errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from ..text_search import contains_pattern
from . import sign_ins
from .models import INVITED_PASSWORD, User
from .passwords import password_problem

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
    right, so the answer reveals nothing to someone guessing; an unknown email and an
    account whose invitation is not accepted yet are refused after as long a check as a
    password, so not even the time taken tells them apart.
    """
    user = find_user_by_email(email)
    if user is None or user.password_hash == INVITED_PASSWORD:
        check_password_hash(_DUMMY_HASH, password)
        _refused(user, email, "unknown_account" if user is None else "invitation_not_accepted")
        raise Unauthorized(gettext("Wrong email or password."), code="bad_credentials")
    if not user.check_password(password):
        _refused(user, email, "wrong_password")
        raise Unauthorized(gettext("Wrong email or password."), code="bad_credentials")
    if not user.active:
        _refused(user, email, "account_disabled")
        raise Forbidden(gettext("This account is disabled."), code="account_disabled")
    return user


def _refused(user: User | None, email: str, why: str) -> None:
    """Logged at once: the refusing request rolls back."""
    audit.record_now("sign_in.failed", target_type="user" if user else None, target_id=user.id if user else None,
                     details={"email": normalise_email(email)[:254], "reason": why})


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user's own password change: the current one is required, the new one must be
    acceptable, and every other sign-in of the user ends (this one stays)."""
    if not user.check_password(current_password):
        audit.record_now("password.change_refused", actor_id=user.id, target_type="user", target_id=user.id)
        raise Invalid(gettext("Your current password is not right."), details={"currentPassword": gettext("This is not your current password.")})
    problem = password_problem(new_password, user.email, user.name)
    if problem:
        raise Invalid(gettext("Choose another password."), details={"newPassword": problem})
    user.password_hash = hash_password(new_password)
    sign_ins.revoke_all(user.id, "password_changed", keep=user.sign_in_id)
    audit.record("password.changed", actor_id=user.id, target_type="user", target_id=user.id)


def sign_out_everywhere(user: User) -> None:
    """End every session and token of the user, this one included."""
    sign_ins.revoke_all(user.id, "signed_out_everywhere")
    audit.record("sessions.revoked", actor_id=user.id, target_type="user", target_id=user.id)


def create_user(email: str, password: str, name: str, role: str = "student", actor_id: int | None = None,
                timezone: str = "UTC") -> User:
    """A new account; ``actor_id`` names the admin creating it (logged), None for sign-up."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise Conflict(gettext("An account with this email already exists."), details={"email": email})
    user = User(email=email, name=name.strip(), role=role, timezone=timezone, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    publish_after_commit({"type": "user.created", "userId": user.id, "role": user.role})
    if actor_id is not None:
        audit.record("user.created", actor_id=actor_id, target_type="user", target_id=user.id, details={"role": role})
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("No such user."))
    return user


def update_user(actor: User, user_id: int, *, name=None, role=None, active=None, timezone=None) -> User:
    """Admin edits. An admin cannot disable themself or give up their admin role: there may
    be no other admin to undo it."""
    user = get_user(user_id)
    if user.id == actor.id and active is False:
        raise Conflict(gettext("You cannot disable your own account. Another admin can, if it must be."))
    if user.id == actor.id and role not in (None, "admin"):
        raise Conflict(gettext("You cannot remove your own admin role. Another admin can, if it must be."))
    if name is not None:
        user.name = name
    if role is not None and role != user.role:
        audit.record("user.role_changed", actor_id=actor.id, target_type="user", target_id=user.id,
                     details={"from": user.role, "to": role})
        user.role = role
    if active is not None and active != user.active:
        audit.record("user.reactivated" if active else "user.deactivated", actor_id=actor.id, target_type="user",
                     target_id=user.id)
        user.active = active
        if not active:
            sign_ins.revoke_all(user.id, "deactivated")
    if timezone is not None:
        user.timezone = timezone
    db.session.flush()
    publish_after_commit({"type": "user.updated", "userId": user.id, "role": user.role, "active": user.active})
    return user


def update_account(user: User, *, timezone: str | None = None) -> User:
    """The user's own settings. The time zone decides where their days begin (streaks,
    "today"), so their figures are recomputed and their open pages refreshed."""
    if timezone is not None:
        user.timezone = timezone
    db.session.flush()
    publish_after_commit({"type": "user.updated", "userId": user.id, "timezone": user.timezone})
    return user


def names_of(user_ids: set[int | None]) -> dict[int, User]:
    """The users with these ids (one query), for lists that name people."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def list_users(q: str | None = None, role: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    stmt = select(User).order_by(User.id)
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    if role:
        stmt = stmt.where(User.role == role)
    return paginate(stmt, page, per_page)
