"""Where dashboard and analytics reads go: a read replica when ``DATABASE_READ_URL`` is
set, the primary otherwise.

Writes always use ``db.session`` (the primary). A request that has already written in
its transaction reads from the primary too, so it sees its own writes whatever the
replica's lag, and so does a live page re-rendered for a change (``from_primary``): the
replica may not have the change yet. Other readers accept the replica's lag (typically
well under a second), and what they compute is cached only briefly (``cache.cached``), so
a figure read just before the replica caught up does not outlive the lag for long.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g
from sqlalchemy.orm import scoped_session, sessionmaker

from .events import count_replica_read, wrote_in_transaction
from .extensions import db

REPLICA = "replica"


def _app_context_id() -> int:
    from flask import g

    return id(g._get_current_object())


_replica_sessions = scoped_session(sessionmaker(), scopefunc=_app_context_id)


def reads():
    """The session for read-only dashboard and analytics queries."""
    if (REPLICA not in (current_app.config.get("SQLALCHEMY_BINDS") or {}) or wrote_in_transaction()
            or g.get(_FROM_PRIMARY)):
        return db.session
    count_replica_read()
    if _replica_sessions.registry.has():
        return _replica_sessions()
    return _replica_sessions(bind=db.engines[REPLICA])


_FROM_PRIMARY = "elearn_from_primary"


@contextmanager
def from_primary() -> Iterator[None]:
    """Inside, ``reads`` is the primary: for what must show a change just committed (a live
    page re-rendered for its event), which the replica may not have yet."""
    before = g.get(_FROM_PRIMARY, False)
    setattr(g, _FROM_PRIMARY, True)
    try:
        yield
    finally:
        setattr(g, _FROM_PRIMARY, before)


def release_sessions() -> None:
    """End this context's primary and replica transactions (a WebSocket handler calls it
    before it waits, so no connection or snapshot is held while idle)."""
    db.session.remove()
    _replica_sessions.remove()


def init_read_replica(app) -> None:
    @app.teardown_appcontext
    def _release(_exc):
        _replica_sessions.remove()
