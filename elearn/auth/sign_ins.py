"""Sign-ins: starting, checking and revoking the browser sessions and API token pairs of a user.

Every session cookie, remember-me cookie and bearer token names its sign-in; a request is
signed in only while that sign-in is not revoked and its user is active. Revoking
publishes ``user.updated`` for the user, so their open sockets re-check and close.

Every request checks its sign-in, so the check is cached: the user's columns and the
sign-in's state, under the user's account generation (not their progress's). Every
committed change of a user or of their sign-ins made through the session bumps it before
the writing request answers: the services' ``user.*`` events name the user, a flushed
``User`` or ``SignIn`` names its user, and any other UPDATE or DELETE of those tables
retires every cached check (``SIGN_INS``). A read then costs one cache round trip and no
SQL. Only a change made outside elearn (SQL typed into the database) waits for the cached
check to expire: ``CHECK_TTL``. The same listeners retire the lists that show people by
name (``PEOPLE_GENERATION``) when a name or an email changes.
"""
import functools
import logging
import uuid
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Integer, bindparam, event, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from ..cache import PEOPLE_GENERATION, Entry, account_generation, cached
from ..db_types import utcnow
from ..events import publish_after_commit
from ..extensions import db
from ..prepared import Prepared
from .models import SignIn, User

log = logging.getLogger(__name__)

#: Seconds a cached check may outlive a change made outside elearn.
CHECK_TTL = 60
#: Bumped by an UPDATE or DELETE of users or sign-ins whose users are not known.
SIGN_INS = "gen:sign-ins"
#: Execution options of such a statement whose users an event names (or that changes
#: nothing a check reads): it need not retire every check.
ANNOUNCED = {"elearn_announced": True}
_CHANGED = "elearn_sign_in_checks_changed"


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


class SignedIn(BaseModel):
    """What a request needs of its sign-in: whether it stands, and the user's columns (not
    the password hash, which is loaded if a request asks for it)."""

    model_config = ConfigDict(frozen=True)  # shared by the requests that read the same check

    revoked: bool
    id: int
    email: str
    name: str
    role: str
    active: bool
    timezone: str
    created_at: datetime


def _signed_in(sign_in_id: int) -> SignedIn | None:
    row = CHECK.execute(db.session, {"sign_in_id": sign_in_id}).first()
    if row is None:
        return None
    columns = dict(row._mapping)
    return SignedIn(revoked=columns.pop("revoked_at") is not None, **columns)


def check_statement(sign_in_id):
    """The sign-in and its user, each read by key. The user is named by a subquery, not
    only by the join: joined alone, statistics gathered while few people had signed in
    (all one user, say) lead PostgreSQL to merge-join along the users' key up to this
    user, reading as many rows as there are users before them."""
    owner = select(SignIn.user_id).where(SignIn.id == sign_in_id).scalar_subquery()
    return (select(SignIn.revoked_at, User.id, User.email, User.name, User.role, User.active, User.timezone,
                   User.created_at).join(User, SignIn.user_id == User.id)
            .where(SignIn.id == sign_in_id, User.id == owner))


#: The check as every uncached request sends it: built once, prepared on PostgreSQL.
CHECK = Prepared("elearn_sign_in_check", check_statement(bindparam("sign_in_id", type_=Integer)))


@functools.cache
def _seal_with(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="elearn.sign-in-check")


def _seal() -> URLSafeSerializer:
    return _seal_with(current_app.secret_key)


def _sealed(sign_in_id: int) -> str | None:
    """The check, signed with the app's key and naming its sign-in: whoever can write to
    Redis can make a cached figure wrong, but cannot forge a check, nor move one to
    another sign-in (to revive a revoked one, say)."""
    state = _signed_in(sign_in_id)
    return None if state is None else _seal().dumps([sign_in_id, state.model_dump(mode="json")])


def _unsealed(sealed: str, sign_in_id: int) -> SignedIn | None:
    try:
        sealed_for, state = _opened(current_app.secret_key, sealed)
        if sealed_for != sign_in_id:
            raise BadSignature("another sign-in's check")
        return state
    except (BadSignature, ValidationError, TypeError, ValueError):
        log.warning("a cached sign-in check was not elearn's own; checked in the database instead")
        return _signed_in(sign_in_id)


@functools.lru_cache(maxsize=8192)
def _opened(secret_key: str, sealed: str) -> tuple[int, SignedIn]:
    """What a sealed check says, once its signature is verified: remembered by its exact
    text, which every request of the sign-in reads until the account or the sign-in
    changes (verifying and validating it again cost a tenth of a cached read)."""
    sealed_for, state = _seal_with(secret_key).loads(sealed)
    return sealed_for, SignedIn(**state)


def signed_in_user(sign_in_id: int, user_id: int | None = None) -> User | None:
    """The active user of a sign-in that is not revoked, with ``sign_in_id`` set. With
    ``user_id`` (tokens and sessions name both), the sign-in must be theirs, and the answer
    comes from the cache when it can; without it, from one query."""
    if user_id is None:
        state = _signed_in(sign_in_id)
    else:
        sealed = cached(Entry((account_generation(user_id), SIGN_INS), f"sign-in:{sign_in_id}", str | None),
                        lambda: _sealed(sign_in_id), ttl=CHECK_TTL)
        state = _unsealed(sealed, sign_in_id) if sealed else None
    if state is None or state.revoked or not state.active or (user_id is not None and state.id != user_id):
        return None
    user = User(**state.model_dump(exclude={"revoked"}))
    make_transient_to_detached(user)  # as if just loaded: changes to it are saved as updates
    user = db.session.merge(user, load=False)  # no query; the copy this session holds, if any
    user.sign_in_id = sign_in_id
    return user


def revoke(user_id: int, sign_in_id: int, reason: str) -> None:
    """End one sign-in (signing out of this browser, or this token)."""
    db.session.execute(update(SignIn).where(SignIn.id == sign_in_id, SignIn.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session=False, **ANNOUNCED))
    _announce(user_id, reason)


def revoke_all(user_id: int, reason: str, keep: int | None = None) -> None:
    """End every sign-in of the user but ``keep`` (the one asking, after a password change)."""
    stmt = update(SignIn).where(SignIn.user_id == user_id, SignIn.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(SignIn.id != keep)
    db.session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session=False, **ANNOUNCED))
    _announce(user_id, reason)


def rotate_refresh(sign_in_id: int, presented_jti: str) -> str | None:
    """Swap the sign-in's refresh token for a new one; None if ``presented_jti`` is not the
    current one. An old refresh token presented again means it was copied: the whole
    sign-in is revoked."""
    jti = new_jti()
    changed = db.session.execute(
        update(SignIn).where(SignIn.id == sign_in_id, SignIn.revoked_at.is_(None), SignIn.refresh_jti == presented_jti)
        .values(refresh_jti=jti).execution_options(synchronize_session=False, **ANNOUNCED)).rowcount
    if changed == 1:
        publish_after_commit({"type": "sign_in.refreshed", "signInId": sign_in_id})
        return jti
    user_id = db.session.scalar(select(SignIn.user_id).where(SignIn.id == sign_in_id))
    if user_id is not None:
        revoke(user_id, sign_in_id, "refresh_token_reused")
    return None


def _announce(user_id: int, reason: str) -> None:
    publish_after_commit({"type": "user.updated", "userId": user_id, "reason": reason})


@event.listens_for(Session, "after_flush")
def _note_flushed(session, _context):
    changed = [*session.dirty, *session.deleted]
    users = {row.id for row in changed if isinstance(row, User)} | \
        {row.user_id for row in changed if isinstance(row, SignIn)}
    if users:
        session.info.setdefault(_CHANGED, set()).update(account_generation(user_id) for user_id in users)
    if any(isinstance(row, User) and (row in session.deleted or _renamed(row)) for row in changed):
        session.info[_CHANGED].add(PEOPLE_GENERATION)


def _renamed(user: User) -> bool:
    state = sa_inspect(user)
    return state.attrs.name.history.has_changes() or state.attrs.email.history.has_changes()


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if (state.is_update or state.is_delete) and state.bind_mapper in (User.__mapper__, SignIn.__mapper__) \
            and not state.execution_options.get("elearn_announced"):
        state.session.info.setdefault(_CHANGED, set()).update((SIGN_INS, PEOPLE_GENERATION))


@event.listens_for(Session, "after_commit")
def _retire_checks(session):
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released: the real commit is still to come
    names = session.info.pop(_CHANGED, None)
    if names:
        current_app.extensions["elearn.cache"].bump(names)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session, transaction):
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
