"""Events are published only after the transaction that caused them commits.

Services call ``publish_after_commit(event)``; the event waits in the session and goes
to the bus when the session commits, or is dropped when it rolls back. Events are small
JSON dicts naming what changed (``{"type": "progress.updated", ...}``); each receiver
renders what it needs.
"""
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "elearn_pending_events"


def publish_after_commit(message: dict) -> None:
    from ..extensions import db

    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, too, ends a transaction and drops the event
    session.info.setdefault(_PENDING, []).append(message)


def has_pending_events() -> bool:
    """True inside a transaction that changed something (every change queues an event)."""
    from ..extensions import db

    return bool(db.session().info.get(_PENDING))


@event.listens_for(Session, "after_commit")
def _publish_pending(session):
    pending = session.info.pop(_PENDING, None)
    if pending:
        from ..cache import bump_for_events

        bump_for_events(pending)  # before anyone is told, so their re-reads are fresh
        bus = current_app.extensions["elearn.bus"]
        for message in pending:
            bus.publish(message)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_PENDING, None)
