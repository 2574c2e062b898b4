"""Sign-ins: starting, checking and revoking the browser sessions and API token pairs of a user.

Every session cookie, remember-me cookie and bearer token names its sign-in; a request is
signed in only while that sign-in is not revoked and its user is active. Revoking
publishes ``user.updated`` for the user, so their open sockets re-check and close.
"""
import uuid

from sqlalchemy import select, update

from ..db_types import utcnow
from ..events import publish_after_commit
from ..extensions import db
from .models import SignIn, User


def start(user: User, kind: str) -> SignIn:
    """A new sign-in for ``user``; ``user.sign_in_id`` names it for the rest of the request."""
    sign_in = SignIn(user_id=user.id, kind=kind, refresh_jti=new_jti() if kind == "api" else None)
    db.session.add(sign_in)
    db.session.flush()
    user.sign_in_id = sign_in.id
    publish_after_commit({"type": "sign_in.started", "signInId": sign_in.id, "kind": kind})
    return sign_in


def new_jti() -> str:
    return uuid.uuid4().hex


def signed_in_user(sign_in_id: int, user_id: int | None = None) -> User | None:
    """The active user of a sign-in that is not revoked (one query), with ``sign_in_id`` set;
    ``user_id``, when given, must match (a token names both)."""
    row = db.session.execute(
        select(User, SignIn.revoked_at).join(SignIn, SignIn.user_id == User.id).where(SignIn.id == sign_in_id)
    ).first()
    if row is None:
        return None
    user, revoked_at = row
    if revoked_at is not None or not user.active or (user_id is not None and user.id != user_id):
        return None
    user.sign_in_id = sign_in_id
    return user


def revoke(user_id: int, sign_in_id: int, reason: str) -> None:
    """End one sign-in (signing out of this browser, or this token)."""
    db.session.execute(update(SignIn).where(SignIn.id == sign_in_id, SignIn.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    _announce(user_id, reason)


def revoke_all(user_id: int, reason: str, keep: int | None = None) -> None:
    """End every sign-in of the user but ``keep`` (the one asking, after a password change)."""
    stmt = update(SignIn).where(SignIn.user_id == user_id, SignIn.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(SignIn.id != keep)
    db.session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    _announce(user_id, reason)


def rotate_refresh(sign_in_id: int, presented_jti: str) -> str | None:
    """Swap the sign-in's refresh token for a new one; None if ``presented_jti`` is not the
    current one. An old refresh token presented again means it was copied: the whole
    sign-in is revoked."""
    jti = new_jti()
    changed = db.session.execute(
        update(SignIn).where(SignIn.id == sign_in_id, SignIn.revoked_at.is_(None), SignIn.refresh_jti == presented_jti)
        .values(refresh_jti=jti).execution_options(synchronize_session=False)).rowcount
    if changed == 1:
        publish_after_commit({"type": "sign_in.refreshed", "signInId": sign_in_id})
        return jti
    user_id = db.session.scalar(select(SignIn.user_id).where(SignIn.id == sign_in_id))
    if user_id is not None:
        revoke(user_id, sign_in_id, "refresh_token_reused")
    return None


def _announce(user_id: int, reason: str) -> None:
    publish_after_commit({"type": "user.updated", "userId": user_id, "reason": reason})
