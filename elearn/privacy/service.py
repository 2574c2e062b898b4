"""Deletion requests: a user asks, an admin confirms (the person is anonymised, ``erasure``)
or rejects; the user may withdraw a request while it waits.

- Anyone but an admin may ask. An admin's account is refused (422): erasing it could leave
  the platform without an admin; another admin can take the role away first.
- Asking again while a request waits is the same request (one waits per user at most).
- Only admins decide, and only a waiting request (409 once decided or withdrawn). Two
  admins deciding at once: one UPDATE claims the request, the other is told it is decided.
- Asking and deciding are in the audit log: the user as the actor of their request, the
  admin of the decision.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select, update

from ..audit import service as audit
from ..auth.models import User
from ..db_types import utcnow
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from ..sql import upsert
from . import erasure
from .models import CANCELLED, CONFIRMED, PENDING, REJECTED, DeletionRequest


def _refuse_admins(user: User) -> None:
    if user.role == "admin":
        raise Invalid(gettext("An admin's account is not deleted on request: another admin can remove your "
                              "admin role first, and you can then ask."), code="admin_account")


def pending_request(user_id: int) -> DeletionRequest | None:
    return db.session.scalar(select(DeletionRequest).where(DeletionRequest.user_id == user_id,
                                                           DeletionRequest.status == PENDING))


def request_deletion(user: User) -> DeletionRequest:
    """``user``'s waiting request: a new one, or the one already waiting."""
    _refuse_admins(user)
    created = db.session.scalar(
        upsert(DeletionRequest).values(user_id=user.id, status=PENDING, requested_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id"], index_where=DeletionRequest.status == PENDING)
        .returning(DeletionRequest.id))
    if created is not None:
        audit.record("user.erasure_requested", actor_id=user.id, target_type="user", target_id=user.id,
                     details={"requestId": created})
        publish_after_commit({"type": "deletion_request.created", "requestId": created, "userId": user.id})
    return pending_request(user.id)


def cancel_deletion(user: User) -> None:
    """Withdraw ``user``'s waiting request, if there is one."""
    withdrawn = db.session.execute(
        update(DeletionRequest).where(DeletionRequest.user_id == user.id, DeletionRequest.status == PENDING)
        .values(status=CANCELLED, decided_at=utcnow()).returning(DeletionRequest.id)
        .execution_options(synchronize_session=False)).scalar()
    if withdrawn is not None:
        publish_after_commit({"type": "deletion_request.cancelled", "requestId": withdrawn, "userId": user.id})


@dataclass
class RequestRow:
    """A request as an admin sees it: with the person's current email, name and role."""

    id: int
    user_id: int
    email: str
    name: str
    role: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decided_by_id: int | None


def _with_user():
    return (select(DeletionRequest.id, DeletionRequest.user_id, User.email, User.name, User.role,
                   DeletionRequest.status, DeletionRequest.requested_at, DeletionRequest.decided_at,
                   DeletionRequest.decided_by_id)
            .join(User, User.id == DeletionRequest.user_id))


def _require_admin(actor) -> None:
    if actor.role != "admin":
        raise Forbidden(gettext("Only admins decide on deletion requests."))


def list_requests(actor, status: str = PENDING, page: int = 1, per_page: int = 50) -> Page:
    """Requests in one state: the waiting ones oldest first (a queue), the others newest first."""
    _require_admin(actor)
    order = (DeletionRequest.requested_at.asc(), DeletionRequest.id.asc()) if status == PENDING else (
        DeletionRequest.requested_at.desc(), DeletionRequest.id.desc())
    result = paginate(_with_user().where(DeletionRequest.status == status).order_by(*order), page, per_page,
                      scalars=False)
    result.items = [RequestRow(*row) for row in result.items]
    return result


def _decide(actor, request_id: int, status: str) -> tuple[DeletionRequest, User]:
    """Claim a waiting request for ``status`` (404 unknown, 409 decided, 422 an admin's)."""
    _require_admin(actor)
    found = db.session.get(DeletionRequest, request_id)
    if found is None:
        raise NotFound(gettext("No such deletion request."))
    user = db.session.get(User, found.user_id)
    if found.status == PENDING and status == CONFIRMED:
        _refuse_admins(user)
    claimed = db.session.execute(
        update(DeletionRequest).where(DeletionRequest.id == request_id, DeletionRequest.status == PENDING)
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        raise Conflict(gettext("This request was already decided or withdrawn."))
    return found, user


def confirm(actor, request_id: int) -> RequestRow:
    """Delete the requester's account: they are anonymised (``erasure``)."""
    found, user = _decide(actor, request_id, CONFIRMED)
    erasure.erase(user)
    audit.record("user.erased", actor_id=actor.id, target_type="user", target_id=user.id,
                 details={"requestId": found.id})
    publish_after_commit({"type": "deletion_request.confirmed", "requestId": found.id, "userId": user.id})
    return _row(found.id)


def reject(actor, request_id: int) -> RequestRow:
    """Keep the account; the user sees the request was declined and may ask again."""
    found, user = _decide(actor, request_id, REJECTED)
    audit.record("user.erasure_rejected", actor_id=actor.id, target_type="user", target_id=user.id,
                 details={"requestId": found.id})
    publish_after_commit({"type": "deletion_request.rejected", "requestId": found.id, "userId": user.id})
    return _row(found.id)


def _row(request_id: int) -> RequestRow:
    return RequestRow(*db.session.execute(_with_user().where(DeletionRequest.id == request_id)).one())


def latest_request(user_id: int) -> DeletionRequest | None:
    """The user's most recent request, whatever its state (the account page tells of it)."""
    return db.session.scalar(select(DeletionRequest).where(DeletionRequest.user_id == user_id)
                             .order_by(DeletionRequest.requested_at.desc(), DeletionRequest.id.desc()).limit(1))
