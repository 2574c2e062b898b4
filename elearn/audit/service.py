"""Writing and reading the audit log.

``record`` adds an entry to the caller's transaction: an admin action is logged if and only
if it happened. ``record_now`` writes on a connection of its own and commits at once, for
events whose request then fails and rolls back (a refused sign-in). Neither publishes an
event: nothing on any page depends on the log.
"""
from datetime import datetime

from flask import has_request_context, request
from flask_babel import lazy_gettext
from sqlalchemy import insert, select

from ..db_types import utcnow
from ..extensions import db
from ..pagination import Page, paginate
from .models import AuditEntry

#: What the log records, by ``action``.
ACTIONS = {
    "sign_in.failed": lazy_gettext("A sign-in was refused (wrong password, unknown or disabled account)"),
    "sign_in.limited": lazy_gettext("Sign-ins for an account or address were rate limited"),
    "password.changed": lazy_gettext("A user changed their password"),
    "password.change_refused": lazy_gettext("A password change was refused: the current password was wrong"),
    "sessions.revoked": lazy_gettext("A user signed out everywhere"),
    "user.role_changed": lazy_gettext("An admin changed a user's role"),
    "user.deactivated": lazy_gettext("An admin disabled a user"),
    "user.reactivated": lazy_gettext("An admin enabled a user again"),
    "user.created": lazy_gettext("An admin created a user"),
    "user.erasure_requested": lazy_gettext("A user asked for their account to be deleted"),
    "user.erased": lazy_gettext("An admin deleted a user's account on their request (it was anonymised)"),
    "user.erasure_rejected": lazy_gettext("An admin declined a user's request to delete their account"),
    "xapi.replayed": lazy_gettext("An admin sent a time range of xAPI statements to the LRS again"),
    "import.applied": lazy_gettext("Enrollments and completions were imported from a CSV file"),
}


def _row(action: str, actor_id: int | None, target_type: str | None, target_id: int | None,
         details: dict | None) -> dict:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return {"at": utcnow(), "actor_id": actor_id, "action": action, "target_type": target_type,
            "target_id": target_id, "details": details or {},
            "ip": request.remote_addr if has_request_context() else None}


def record(action: str, *, actor_id: int | None = None, target_type: str | None = None,
           target_id: int | None = None, details: dict | None = None) -> None:
    db.session.add(AuditEntry(**_row(action, actor_id, target_type, target_id, details)))


def record_now(action: str, *, actor_id: int | None = None, target_type: str | None = None,
               target_id: int | None = None, details: dict | None = None) -> None:
    with db.engine.begin() as connection:
        connection.execute(insert(AuditEntry), [_row(action, actor_id, target_type, target_id, details)])


def list_entries(action: str | None = None, actor_id: int | None = None, since: datetime | None = None,
                 page: int = 1, per_page: int = 50) -> Page:
    """Newest first, filtered; one count and one page query (indexed by time, action, actor)."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    return paginate(stmt, page, per_page)
