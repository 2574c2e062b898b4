"""SQL that PostgreSQL and SQLite spell their own ways, written once for both.

- ``upsert(model)``: an INSERT that takes ``ON CONFLICT`` clauses, for the database in use.
- ``seconds_between(start, end)``: a duration in seconds.
- ``day_start``, ``week_start``, ``month_start``: the UTC calendar period a timestamp falls
  in, as the ``YYYY-MM-DD`` text of the period's first day (weeks are ISO weeks, starting
  Monday). Text, so that both databases answer the same type for ``GROUP BY`` and Python
  reads it with ``date.fromisoformat``.
- ``hour_of_week_in_zone(column, zone, since, until)``: the local hour of the week (0 is
  Monday 00:00-00:59, 167 is Sunday 23:00-23:59) of a timestamp in an IANA time zone.
- ``rows_of(name, columns, dialect)`` / ``rows_params``: Python rows as a table in SQL,
  one bound parameter per column whatever the number of rows (so a statement built once
  serves any number of rows).
- ``greatest(a, b)``, ``collect(column)`` / ``collected(value)``: the larger of two
  values; the values of a group as one list.
- ``was_inserted(fallback)``: in an upsert's RETURNING, whether the row is new.
- ``dialect_name()``: the database the session talks to.
"""
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, bindparam, case, cast, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .extensions import db


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def upsert(model, dialect: str | None = None):
    """``INSERT`` into ``model``'s table with ``on_conflict_do_*`` for ``dialect`` (default:
    the session's database)."""
    return (postgresql if (dialect or dialect_name()) == "postgresql" else sqlite).insert(model)


# --- Python rows as a table -------------------------------------------------------------------

_SQL_TYPES = {int: BigInteger(), bool: Boolean(), float: Float(), str: String()}


def rows_of(name: str, columns: dict[str, type], dialect: str):
    """A subquery named ``name`` with ``columns`` (``int``, ``bool``, ``float`` or ``str`` each),
    whose rows are given when the statement runs: ``rows_params(name, columns, rows)``.

    PostgreSQL: ``unnest`` of one array parameter per column. SQLite: ``json_each`` of one
    JSON text. Either way the SQL is the same for 1 row or 1,000 (a statement can be built
    once and run many times), and each value arrives as a bound parameter, never as SQL text.
    """
    names = list(columns)
    if dialect == "postgresql":
        arrays = [cast(bindparam(f"{name}_{column}", type_=postgresql.ARRAY(_SQL_TYPES[columns[column]])),
                       postgresql.ARRAY(_SQL_TYPES[columns[column]]))
                  for column in names]
        table = func.unnest(*arrays).table_valued(*names).render_derived(name=name)
        return select(*[table.c[column] for column in names]).subquery(name)
    each = func.json_each(bindparam(f"{name}_rows", type_=String())).table_valued("value")
    return select(*[func.json_extract(each.c.value, f"$[{i}]").cast(_SQL_TYPES[columns[column]]).label(column)
                    for i, column in enumerate(names)]).subquery(name)


def rows_params(name: str, columns: dict[str, type], rows: list[tuple], dialect: str) -> dict:
    """The parameters that give ``rows_of(name, columns, dialect)`` its ``rows``."""
    if dialect == "postgresql":
        return {f"{name}_{column}": [row[i] for row in rows] for i, column in enumerate(columns)}
    return {f"{name}_rows": json.dumps([list(row) for row in rows])}


class _spelled_per_database(FunctionElement):  # noqa: N801
    """A function each database names its own way: ``spellings`` maps dialect to name."""

    inherit_cache = True
    spellings: dict[str, str]


@compiles(_spelled_per_database)
def _spelled(element, compiler, **kw):
    if compiler.dialect.name not in element.spellings:
        raise CompileError(f"{element.name}() is not written for {compiler.dialect.name}")
    return f"{element.spellings[compiler.dialect.name]}({compiler.process(element.clauses, **kw)})"


class greatest(_spelled_per_database):  # noqa: N801
    """The larger of the arguments (NULLs ignored on PostgreSQL; give non-NULL values).
    SQLite's ``max()`` of two or more arguments is this scalar function, not the aggregate."""

    name = "greatest"
    inherit_cache = True
    spellings = {"postgresql": "greatest", "sqlite": "max"}


class collect(_spelled_per_database):  # noqa: N801
    """The group's values as one list (read it back with ``collected``)."""

    name = "collect"
    inherit_cache = True
    spellings = {"postgresql": "array_agg", "sqlite": "json_group_array"}


def collected(value, convert=lambda item: item) -> list:
    """A ``collect`` result as a Python list, each item passed through ``convert``."""
    if value is None:
        return []
    items = json.loads(value) if isinstance(value, str) else value
    return [convert(item) for item in items]


class was_inserted(FunctionElement):  # noqa: N801
    """In the RETURNING of an ``INSERT .. ON CONFLICT DO UPDATE``: true for a row the INSERT
    created, false for one the conflict updated.

    PostgreSQL says so exactly: a freshly inserted row version has ``xmax = 0``. SQLite has
    nothing like it, so the caller gives an expression over the returned row that only a new
    row satisfies (SQLite runs one writer at a time, so no other write can interleave).
    """

    type = Boolean()
    name = "was_inserted"
    inherit_cache = True


@compiles(was_inserted)
def _was_inserted_fallback(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(was_inserted, "postgresql")
def _was_inserted_postgresql(element, compiler, **kw):
    return "(xmax = 0)"



class seconds_between(FunctionElement):  # noqa: N801  (used like func.*: lower case reads as SQL)
    """``seconds_between(start, end)``: ``end - start`` in seconds as a float; NULL when
    either is NULL, so ``avg()`` over it skips unfinished rows."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _unsupported(element, compiler, **kw):
    raise CompileError(f"seconds_between() is not written for {compiler.dialect.name}")


@compiles(seconds_between, "postgresql")
def _postgresql(element, compiler, **kw):
    start, end = element.clauses
    return f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"


@compiles(seconds_between, "sqlite")
def _sqlite(element, compiler, **kw):
    # UTCDateTime stores naive UTC text on SQLite; julianday() reads it as days.
    start, end = element.clauses
    return f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 86400.0)"


# --- calendar periods (UTC) -----------------------------------------------------------------

class _period_start(FunctionElement):  # noqa: N801
    """The first day of the UTC ``unit`` holding the timestamp, as ``YYYY-MM-DD`` text.

    One subclass per unit (not a unit argument) so that SQLAlchemy's statement cache, which
    keys on the class, never mixes a week's SQL with a month's.
    """

    type = String()
    inherit_cache = True
    unit: str


class day_start(_period_start):  # noqa: N801
    name = "day_start"
    unit = "day"
    inherit_cache = True


class week_start(_period_start):  # noqa: N801
    """The Monday of the timestamp's ISO week."""

    name = "week_start"
    unit = "week"
    inherit_cache = True


class month_start(_period_start):  # noqa: N801
    name = "month_start"
    unit = "month"
    inherit_cache = True


#: SQLite date() modifiers from the day to its period's first day. "weekday 1" moves
#: forward to the next Monday (or stays on one), so go back six days first.
_SQLITE_PERIOD_MODIFIERS = {"day": "", "week": ", '-6 days', 'weekday 1'", "month": ", 'start of month'"}


def _sqlite_whole_seconds(compiler, column, **kw) -> str:
    """The stored ``YYYY-MM-DD HH:MM:SS.ffffff`` text cut to whole seconds. SQLite rounds
    fractional seconds to the millisecond when it computes with a time, which would carry
    23:59:59.9999 into the next day (or hour); the truncated text never moves."""
    return f"substr({compiler.process(column, **kw)}, 1, 19)"


@compiles(_period_start)
def _period_unsupported(element, compiler, **kw):
    raise CompileError(f"{element.name}() is not written for {compiler.dialect.name}")


@compiles(_period_start, "postgresql")
def _period_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    return (f"to_char(date_trunc('{element.unit}', {compiler.process(column, **kw)} AT TIME ZONE 'UTC'), "
            "'YYYY-MM-DD')")


@compiles(_period_start, "sqlite")
def _period_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    return f"date({_sqlite_whole_seconds(compiler, column, **kw)}{_SQLITE_PERIOD_MODIFIERS[element.unit]})"


# --- local time in a time zone --------------------------------------------------------------

class _hour_of_week(FunctionElement):  # noqa: N801
    """Clauses: the timestamp, the zone's name, and the zone's UTC offset in seconds at
    that timestamp. PostgreSQL reads the name, SQLite the offset (see below)."""

    type = Integer()
    name = "hour_of_week"
    inherit_cache = True


def hour_of_week_in_zone(column, zone: str, since: datetime, until: datetime):
    """The hour of the week (0-167, Monday first) of ``column`` in the IANA ``zone``, for
    timestamps from ``since`` to ``until`` (the caller's WHERE must keep to that span).

    PostgreSQL knows time zones: ``column AT TIME ZONE zone``. SQLite has none, so the zone's
    rules are applied in Python to the span only: its UTC offset is constant between
    daylight-saving changes, and the SQL adds the offset in force at each timestamp (a CASE
    over the few changes in the span) before taking the hour. That is exact for every zone,
    including half- and quarter-hour ones (Asia/Kolkata, +05:30) and across a DST change,
    which shifting already-grouped UTC buckets by one offset would get wrong for part of the
    span; and it still groups in SQL, so at most 168 rows come back.
    """
    return _hour_of_week(column, literal(zone, String()), _utc_offset_seconds(column, ZoneInfo(zone), since, until))


@compiles(_hour_of_week)
def _hour_of_week_unsupported(element, compiler, **kw):
    raise CompileError(f"hour_of_week() is not written for {compiler.dialect.name}")


@compiles(_hour_of_week, "postgresql")
def _hour_of_week_postgresql(element, compiler, **kw):
    column, zone, _offset = element.clauses
    local = f"({compiler.process(column, **kw)} AT TIME ZONE {compiler.process(zone, **kw)})"
    return f"CAST((EXTRACT(ISODOW FROM {local}) - 1) * 24 + EXTRACT(HOUR FROM {local}) AS INTEGER)"


#: Unix time of Monday 1970-01-05 00:00 UTC, the first Monday after the epoch (a Thursday).
_FIRST_MONDAY = 4 * 86400


@compiles(_hour_of_week, "sqlite")
def _hour_of_week_sqlite(element, compiler, **kw):
    column, _zone, offset = element.clauses
    local_seconds = (f"CAST(strftime('%s', {_sqlite_whole_seconds(compiler, column, **kw)}) AS INTEGER)"
                     f" + ({compiler.process(offset, **kw)})")
    return f"((({local_seconds} - {_FIRST_MONDAY}) / 3600) % 168)"


#: How finely the span is searched for offset changes; zones change at most twice a year.
_OFFSET_SCAN_STEP = 6 * 3600


def _offset_at(zone: ZoneInfo, unix_seconds: int) -> int:
    return int(datetime.fromtimestamp(unix_seconds, zone).utcoffset().total_seconds())


def _offset_changes(zone: ZoneInfo, since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """Each instant in the span at which ``zone``'s offset changes, with the new offset."""
    changes = []
    start, end = int(since.timestamp()), int(until.timestamp()) + 1
    offset = _offset_at(zone, start)
    while start < end:
        step_end = min(start + _OFFSET_SCAN_STEP, end)
        if _offset_at(zone, step_end) != offset:
            before, after = start, step_end  # bisect to the first second of the new offset
            while after - before > 1:
                middle = (before + after) // 2
                before, after = (middle, after) if _offset_at(zone, middle) == offset else (before, middle)
            offset = _offset_at(zone, after)
            changes.append((datetime.fromtimestamp(after, UTC), offset))
        start = step_end
    return changes


def _utc_offset_seconds(column, zone: ZoneInfo, since: datetime, until: datetime):
    """SQL for ``zone``'s UTC offset in seconds at ``column``, valid from ``since`` to ``until``."""
    offset = _offset_at(zone, int(since.timestamp()))
    whens = []
    for changed_at, new_offset in _offset_changes(zone, since, until):
        whens.append((column < changed_at, literal(offset)))
        offset = new_offset
    return case(*whens, else_=literal(offset)) if whens else literal(offset)


# --- a value at a rank (medians, percentiles) -------------------------------------------------

def at_rank(value, base, *, group=None, share: tuple[int, int] = (1, 2), at_least: int = 1):
    """The ``value`` ranked at ``share`` of ``base``'s rows, in ascending order, per ``group``
    (or over all rows): the row ranked ceil(numerator / denominator × n). (1, 2) is the lower
    median, (4, 5) the 80th percentile. ``base`` is a SELECT that only joins and filters;
    groups of fewer than ``at_least`` rows are left out. Rows are (group, value) or (value,).

    PostgreSQL: ``percentile_disc``, which is that very row and sorts without numbering every
    row (several times faster on a large course). SQLite, which has no percentile aggregate:
    ``row_number`` and ``count`` windows.
    """
    numerator, denominator = share
    rows = base.with_only_columns(*([group.label("grp")] if group is not None else []),
                                  value.label("value")).subquery()
    grp = [rows.c.grp] if group is not None else []
    if dialect_name() == "postgresql":
        stmt = select(*grp, func.percentile_disc(literal(numerator / denominator)).within_group(rows.c.value))
        return stmt.group_by(*grp).having(func.count() >= at_least)
    window = {"partition_by": rows.c.grp} if group is not None else {}
    ranked = select(*grp, rows.c.value, func.row_number().over(order_by=rows.c.value, **window).label("rank"),
                    func.count().over(**window).label("n")).subquery()
    return select(*([ranked.c.grp] if group is not None else []), ranked.c.value).where(
        ranked.c.n >= at_least, ranked.c.rank == (numerator * ranked.c.n + denominator - 1) // denominator)
