"""Getting millions of rows in quickly: COPY on PostgreSQL, executemany on SQLite.

Both write on the SQLAlchemy session's own connection, inside its transaction, so the
caller's single commit (or rollback) covers every row: a failure half-way leaves nothing.
Rows carry explicit ids, allocated from ``next_id``, so a child row can name its parent
without reading anything back; ``finish`` then moves PostgreSQL's id sequences past them
so that ordinary inserts afterwards do not collide.

Rows are plain tuples in the table's column order: ints, strings, bools, ``None`` for
NULL, and times as strings made by ``timestamp`` (each backend wants its own format).
"""
import csv
import io
import time

from sqlalchemy import Connection, text

from ..deferred_begin import begin_now

#: Rows per COPY / executemany: large enough to amortise a round trip, small enough
#: that a chunk's text stays a few tens of megabytes.
CHUNK_ROWS = 100_000


class BulkLoader:
    """What both backends share: id allocation, chunking and counting."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.dbapi_connection = connection.connection.dbapi_connection
        self.rows_written: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        """The first free id of ``table``: ids from here on are ours to assign."""
        return (self.connection.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        for start in range(0, len(rows), CHUNK_ROWS):
            self._write_chunk(table, columns, rows[start:start + CHUNK_ROWS])
        self.rows_written[table] = self.rows_written.get(table, 0) + len(rows)

    def inserted(self, table: str, count: int) -> None:
        """``count`` rows of ``table`` went in by ordinary INSERTs: counted, and made ready
        by ``finish`` with the rest."""
        self.rows_written[table] = self.rows_written.get(table, 0) + count

    def lock(self, tables: tuple[str, ...]) -> None:
        """Keep other writers out of ``tables`` until the commit (where the backend can)."""

    def finish(self) -> None:
        """Make the database ready for ordinary use after the bulk writes."""

    def timestamp(self, epoch_seconds: int) -> str:
        raise NotImplementedError

    def _write_chunk(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        raise NotImplementedError


class PostgresCopy(BulkLoader):
    """``COPY .. FROM STDIN (FORMAT csv)`` from an in-memory buffer, one per chunk.

    An unquoted empty CSV field is NULL to COPY, so rows must not hold empty strings
    where text is meant (the generator never produces any).
    """

    def lock(self, tables):
        # EXCLUSIVE still lets readers in; writers wait for our commit, so nobody takes
        # an id between our reading max(id) and our rows landing.
        self.connection.execute(text(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE"))

    def timestamp(self, epoch_seconds):
        return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch_seconds))

    def _write_chunk(self, table, columns, rows):
        begin_now(self.connection)  # (COPY goes past SQLAlchemy: the transaction must be open)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        buffer.seek(0)
        with self.dbapi_connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)",
                               buffer, size=1 << 20)

    def finish(self):
        for table in self.rows_written:
            self.connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            # Fresh statistics now rather than whenever autovacuum gets round to it, so
            # the first queries against the new rows get sensible plans.
            self.connection.execute(text(f"ANALYZE {table}"))


class SqliteBatches(BulkLoader):
    """``executemany`` per chunk. SQLite has one writer at a time: the first write takes
    the database's write lock and holds it until the commit."""

    def timestamp(self, epoch_seconds):
        # The format SQLAlchemy's SQLite DATETIME stores (naive UTC, microseconds), so the
        # rows sort and compare like the ones the application writes.
        return time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(epoch_seconds))

    def _write_chunk(self, table, columns, rows):
        placeholders = ", ".join("?" * len(columns))
        cursor = self.dbapi_connection.cursor()
        try:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)
        finally:
            cursor.close()


def bulk_loader(connection: Connection) -> BulkLoader:
    loaders = {"postgresql": PostgresCopy, "sqlite": SqliteBatches}
    if connection.dialect.name not in loaders:
        raise RuntimeError(f"generate supports PostgreSQL and SQLite, not {connection.dialect.name}")
    return loaders[connection.dialect.name](connection)
