"""On PostgreSQL, a transaction begins with its first statement that may write, not its first read.

psycopg2 sends ``BEGIN`` in a round trip of its own before a transaction's first
statement, and ``COMMIT`` in another after its last: a request that only reads (a cold
dashboard figure, a new student's progress) paid two round trips for a transaction that
guarded nothing. So each connection is handed out in autocommit mode, and the first
statement that is not a plain ``SELECT`` (an INSERT, UPDATE or DELETE, a statement marked
``WRITES``, ``SELECT .. FOR UPDATE``, a SAVEPOINT, any text SQL, a read through a
server-side cursor) turns autocommit off first: psycopg2 then begins the transaction right before it, and everything after is
one transaction, committed or rolled back as before. A request that only reads sends
neither ``BEGIN`` nor ``COMMIT`` (psycopg2's commit is a no-op in autocommit mode).

The reads before the first write each see what is committed when they run, which is what
they saw inside the transaction too: PostgreSQL's default isolation, READ COMMITTED,
takes a new snapshot for every statement. Code that writes through the driver's own
cursor, past SQLAlchemy's statement events (``COPY``), calls ``begin_now`` first.
"""
from sqlalchemy import Connection, event
from sqlalchemy.sql import Select

from .extensions import db

#: Execution options of a statement that writes though it is not an INSERT, UPDATE or
#: DELETE (a SELECT writing in its ``WITH``): it begins the transaction, and marks it as
#: having written (``events.wrote_in_transaction``).
WRITES = {"elearn_writes": True}
#: Execution option of a text statement that only reads (``prepared.Prepared``'s EXECUTE of a SELECT).
READS_ONLY = {"elearn_reads_only": True}


def init_deferred_begin(app) -> None:
    with app.app_context():
        engines = set(db.engines.values())  # the primary, and the read replica if there is one
    for engine in engines:
        if engine.dialect.name == "postgresql":
            event.listen(engine, "checkout", _autocommit)
            event.listen(engine, "before_cursor_execute", _begin_before_writing)


def reads_only(statement) -> bool:
    """Whether ``statement`` (a compiled statement's own) only reads: a SELECT that
    neither locks rows nor is marked as writing in its ``WITH``."""
    options = statement.get_execution_options()
    if says_it_writes(options):
        return False
    if options.get("elearn_reads_only"):
        return True
    return isinstance(statement, Select) and statement._for_update_arg is None


def says_it_writes(execution_options) -> bool:
    """Whether a statement's execution options carry ``WRITES``."""
    return bool(execution_options.get("elearn_writes"))


def begin_now(connection: Connection) -> None:
    """Begin ``connection``'s transaction with its next statement, whatever it is."""
    dbapi_connection = connection.connection.dbapi_connection
    if getattr(dbapi_connection, "autocommit", False):
        dbapi_connection.autocommit = False


def _autocommit(dbapi_connection, _record, _proxy) -> None:
    dbapi_connection.autocommit = True


def _begin_before_writing(connection, _cursor, _statement, _parameters, context, _executemany) -> None:
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.autocommit or connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # (in a transaction already, or autocommit asked for: VACUUM, CREATE INDEX CONCURRENTLY)
    compiled = getattr(context, "compiled", None)
    if (compiled is None or compiled.statement is None or not reads_only(compiled.statement)
            or context.execution_options.get("stream_results")):  # (a server-side cursor lives in a transaction)
        dbapi_connection.autocommit = False
