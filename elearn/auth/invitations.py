"""Invitations: an account made for someone else (a CSV import) gets a link to choose its password.

The account starts with no usable password (``INVITED_PASSWORD`` matches no password).
The emailed link carries the user id and email, signed with the app's secret and dated: it
works for ``INVITATION_DAYS`` days, only while the account still waits for its first
password (so it cannot be used twice, or after the person chose one), and only for the
address it was sent to (an admin who corrects the address makes the old link useless).
"""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..errors import Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..mail.links import absolute_url
from ..mail.outbox import queue_email
from . import sign_ins
from .models import INVITED_PASSWORD, User
from .passwords import password_problem
from .service import hash_password

INVITATION_DAYS = 14
_SALT = "elearn-invitation"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def invitation_token(user_id: int, email: str) -> str:
    return _serializer().dumps([user_id, email])


def invitation_url(user_id: int, email: str) -> str:
    return absolute_url("auth.welcome", token=invitation_token(user_id, email))


def invite(*, user_id: int, email: str, name: str, inviter: str, courses: list[str]) -> None:
    """Queue the invitation email of a new account (in the caller's transaction)."""
    body = current_app.jinja_env.get_template("email/invitation.txt").render(
        name=name, inviter=inviter, courses=courses, link=invitation_url(user_id, email), days=INVITATION_DAYS)
    subject, _, text = body.strip().partition("\n")
    queue_email(key=f"invitation:{user_id}", to=email, subject=subject.strip(), body=text.strip() + "\n",
                kind="invitations", user_id=user_id)


def invited_user(token: str) -> User:
    """The account an invitation link names, still waiting for its password; else 404."""
    try:
        user_id, email = _serializer().loads(token, max_age=int(timedelta(days=INVITATION_DAYS).total_seconds()))
    except (BadSignature, ValueError, TypeError):
        user_id = email = None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.email != email or not user.active or user.password_hash != INVITED_PASSWORD:
        raise NotFound(gettext("This invitation link is not valid any more: it was used, or it is more than "
                               "%(days)s days old. Ask whoever invited you for a new one.", days=INVITATION_DAYS))
    return user


def accept(user: User, password: str) -> None:
    """Give the invited account its first password (then the link stops working)."""
    problem = password_problem(password, user.email, user.name)
    if problem:
        raise Invalid(gettext("Choose another password."), details={"password": problem})
    user.password_hash = hash_password(password)
    sign_ins.revoke_all(user.id, "password_changed")
    publish_after_commit({"type": "user.updated", "userId": user.id})
