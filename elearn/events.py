"""What a transaction changed: the write marker and the events published after commit.

- **Writes are marked by the session itself.** Any flush that sends a row, and any
  INSERT, UPDATE or DELETE statement run through the session, marks the transaction as
  having written (``wrote_in_transaction()``); so does a SELECT that writes inside its
  ``WITH``, which says so with ``.execution_options(**deferred_begin.WRITES)``. A request that wrote reads its own writes:
  the cache and the read replica step aside for it.
- **Events wait for the commit.** Services call ``publish_after_commit(event)``; the event
  waits in the session and goes to the bus when the session commits, or is dropped when
  it rolls back. Events are small JSON dicts naming what changed (``{"type":
  "progress.updated", ...}``); each receiver renders what it needs.
- **Every committed change published something.** With ``REQUIRE_EVENTS_FOR_WRITES`` (on
  in tests), a request that commits rows it added, changed or deleted through the session
  without queueing an event fails loudly, so a new write path cannot forget to tell open
  pages. (Bare INSERT/UPDATE statements may change nothing, as a repeated idempotent
  completion does; they mark the write for reading, but only flushed rows are checked.)

``committed`` is sent after the commit with the transaction's events, before any bus
subscriber hears of them, so that whatever caches figures can invalidate them first.
"""
from blinker import Namespace
from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from .deferred_begin import says_it_writes
from .extensions import db

_PENDING = "elearn_pending_events"
_WROTE = "elearn_wrote"
_FLUSHED = "elearn_flushed_rows"
_REPLICA_READS = "elearn_replica_reads"

_signals = Namespace()
#: ``committed.send(app, messages=[...])``: a transaction that queued events committed.
committed = _signals.signal("committed")


class UnpublishedWrite(RuntimeError):
    """A request committed a change without publishing an event for it."""


def publish_after_commit(message: dict) -> None:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, too, ends a transaction and drops the event
    session.info.setdefault(_PENDING, []).append(message)


def wrote_in_transaction() -> bool:
    """True inside a transaction that has sent an INSERT, UPDATE or DELETE."""
    return bool(db.session().info.get(_WROTE))


def replica_reads() -> int:
    """How many times this app context was handed the read replica (``read_replica.reads``):
    what it computed in between may lag the primary (``cache.cached`` keeps it briefly)."""
    return g.get(_REPLICA_READS, 0)


def count_replica_read() -> None:
    setattr(g, _REPLICA_READS, replica_reads() + 1)


@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context):
    session.info[_WROTE] = session.info[_FLUSHED] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if state.is_insert or state.is_update or state.is_delete or says_it_writes(state.execution_options):
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _publish_pending(session):
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released: the real commit is still to come
    session.info.pop(_WROTE, None)
    flushed = session.info.pop(_FLUSHED, False)
    pending = session.info.pop(_PENDING, None)
    if not pending:
        if flushed and has_request_context() and current_app.config.get("REQUIRE_EVENTS_FOR_WRITES"):
            raise UnpublishedWrite(f"{request.method} {request.path} committed a change but published no event")
        return
    app = current_app._get_current_object()
    committed.send(app, messages=pending)
    app.extensions["elearn.bus"].publish_all(pending)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended (commit already published)
        for key in (_PENDING, _WROTE, _FLUSHED):
            session.info.pop(key, None)
