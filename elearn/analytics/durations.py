"""Time differences in SQL, which every database spells its own way."""
from sqlalchemy import Float
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


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
