"""Progress writes: one statement per request on PostgreSQL, safe under concurrency.

Every write (start, complete, reopen; one item or a bulk of 1,000) goes through ``_write``,
which does, for all its items at once:

1. *check*: each item's enrollment is the actor's and its module is in that course;
2. *write*: ``INSERT .. ON CONFLICT (enrollment_id, module_id) DO UPDATE`` of the records
   whose state differs from the one asked (never check-then-insert, so identical requests
   racing each other change a record once), returning what changed and how;
3. *count*: the enrollment counters (``counters.py``), the module counters (``ModuleStats``),
   and one ``ProgressEvent`` per change, all from what step 2 returned (and, while xAPI
   statements are forwarded, an ``XapiOutbox`` row per event);
4. *answer*: the records, the new counters, the learner's overall figures and, for the
   badges, whether they already completed something today (in their time zone) and their
   completions of the last ``RECENT_DAYS`` days.

On PostgreSQL the four steps are one ``WITH`` statement (data-modifying CTEs), so a
completion is one round trip. SQLite cannot modify data inside ``WITH``: the same
statements run one after another in the same transaction (SQLite runs one writer at a
time, and each later statement reads what step 2 returned, passed back in by ``rows_of``).

After the statement, each change queues a ``progress.updated`` event for after the commit,
and completions are sent as ``signals.modules_completed`` (achievements award badges from
them) in the same transaction.
"""
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from flask_babel import gettext
from sqlalchemy import Integer, String, and_, bindparam, case, cast, func, insert, literal, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import identity_key

from ..catalog.models import Course, Module
from ..db_types import UTCDateTime, utcnow
from ..deferred_begin import WRITES
from ..enrollments.models import Enrollment
from ..errors import Conflict, Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..local_time import start_of_today
from ..numbers import percentage
from ..prepared import Prepared
from ..sql import (
    collect,
    collected,
    dialect_name,
    greatest,
    rows_of,
    rows_params,
    seconds_between,
    upsert,
    was_inserted,
)
from .access import load_enrollment
from .counters import course_module_count, first_completion_time, is_complete
from .models import (
    MODULE_STAT_SLOTS,
    ModuleStats,
    Progress,
    ProgressEvent,
    XapiOutbox,
    forwarding_statements,
    queue_statements,
)
from .signals import RECENT_DAYS, Completion, modules_completed

MAX_BULK_ITEMS = 1000


_ITEM_COLUMNS = {"idx": int, "enrollment_id": int, "module_id": int, "completed": bool}
_CHANGE_COLUMNS = {"enrollment_id": int, "module_id": int, "completed": bool, "inserted": bool,
                   "delta": int, "seconds_delta": int, "position": int}


@dataclass(frozen=True)
class Record:
    """A progress record as the write left it (the API's progress record)."""

    id: int
    enrollment_id: int
    module_id: int
    completed: bool
    started_at: datetime
    completed_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, row, prefix: str = "") -> "Record":
        """The record from ``row``'s attributes (a Progress, or a result row whose record
        columns are named ``prefix`` + the field)."""
        return cls(*(getattr(row, prefix + name) for name in _RECORD_COLUMNS))


@dataclass
class Outcome:
    """What one item of a write did."""

    index: int
    enrollment_id: int
    module_id: int
    owned: bool  # the enrollment exists and is the actor's
    in_course: bool  # the module is part of the enrollment's course
    kind: str | None = None  # "started", "completed", "reopened"; None when nothing changed
    record: Record | None = None


# --- the statements (built once per database and mode, run with parameters) -------------------
# Core statements on the tables (not the ORM entities): the ORM would take a dict of
# parameters given to an INSERT for rows to insert in bulk.

#: The values each run binds: building these statements costs far more than running them.
_ACTOR = bindparam("actor_id", type_=Integer())
_NOW = bindparam("now", type_=UTCDateTime())
_TODAY_START = bindparam("today_start", type_=UTCDateTime())
_RECENT_SINCE = bindparam("recent_since", type_=UTCDateTime())
#: Who completes: "learner" (their click) or "rule" (the module's completion rule).
_BY = bindparam("by", type_=String())


def _checked(items):
    """Each item with its enrollment (if the actor's), its module (if in that course) and course."""
    return (
        select(items.c.idx, items.c.enrollment_id, items.c.module_id, items.c.completed,
               Enrollment.id.is_not(None).label("owned"), Module.id.is_not(None).label("in_course"),
               Enrollment.course_id, Module.position, Course.module_count, Course.title.label("course_title"))
        .select_from(items)
        .outerjoin(Enrollment, and_(Enrollment.id == items.c.enrollment_id, Enrollment.user_id == _ACTOR))
        .outerjoin(Module, and_(Module.id == items.c.module_id, Module.course_id == Enrollment.course_id))
        .outerjoin(Course, Course.id == Enrollment.course_id)
    )


def _write_records(target, dialect: str, only_new: bool):
    """Step 2: bring each target record to the state asked; RETURNING what changed, how
    (``kind``), and by how much each counter moves (``delta`` completed modules,
    ``seconds_delta`` of completion time)."""
    wanted = target.c.completed
    stmt = upsert(Progress.__table__, dialect).from_select(
        ["enrollment_id", "module_id", "completed", "started_at", "completed_at", "updated_at", "completion_seconds",
         "completed_by"],
        select(target.c.enrollment_id, target.c.module_id, wanted, _NOW, case((wanted, _NOW), else_=None), _NOW,
               case((wanted, 0), else_=None), _BY)
        .where(target.c.enrollment_id.is_not(None)),  # SQLite: INSERT .. SELECT needs a WHERE before ON CONFLICT
    )
    if only_new:
        stmt = stmt.on_conflict_do_nothing(index_elements=["enrollment_id", "module_id"])
    else:
        new = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=["enrollment_id", "module_id"],
            set_={"completed": new.completed, "completed_at": new.completed_at, "updated_at": new.updated_at,
                  "completed_by": new.completed_by,
                  # A reopen keeps the seconds of the last completion: RETURNING hands them back to take out.
                  "completion_seconds": case(
                      (new.completed, cast(seconds_between(Progress.started_at, new.completed_at), Integer)),
                      else_=Progress.completion_seconds)},
            where=Progress.completed != new.completed,
        )
    inserted = was_inserted(Progress.started_at == Progress.updated_at)
    seconds = func.coalesce(Progress.completion_seconds, 0)
    return stmt.returning(
        Progress.id, Progress.enrollment_id, Progress.module_id, Progress.completed, Progress.started_at,
        Progress.completed_at, Progress.updated_at, inserted.label("inserted"),
        case((Progress.completed, "completed"), (inserted, "started"), else_="reopened").label("kind"),
        case((Progress.completed, 1), (inserted, 0), else_=-1).label("delta"),
        case((Progress.completed, seconds), (inserted, 0), else_=-seconds).label("seconds_delta"),
    )


def _move_enrollments(changes):
    """Step 3a: each changed enrollment's counters, from the sum of its changes; the furthest
    completed module is recomputed from the records only when a reopen may have lowered it."""
    per = (
        select(changes.c.enrollment_id, func.sum(changes.c.delta).label("delta"),
               func.coalesce(func.max(case((changes.c.completed, changes.c.position))), 0).label("completed_max"),
               func.max(case((changes.c.delta < 0, changes.c.position))).label("reopened_max"))
        .group_by(changes.c.enrollment_id)
        .subquery("per_enrollment")
    )
    reopened_here = select(changes.c.module_id).where(changes.c.enrollment_id == Enrollment.id, changes.c.delta < 0)
    still_completed = (
        select(func.coalesce(func.max(Module.position), 0))
        .select_from(Progress).join(Module, Module.id == Progress.module_id)
        .where(Progress.enrollment_id == Enrollment.id, Progress.completed.is_(True),
               Progress.module_id.not_in(reopened_here))
        .scalar_subquery()
    )
    new_count = Enrollment.completed_count + per.c.delta
    return (
        update(Enrollment.__table__).where(Enrollment.id == per.c.enrollment_id)
        .values(
            completed_count=new_count,
            last_activity_at=_NOW,
            completed_at=first_completion_time(new_count, course_module_count(), _NOW),
            furthest_position=case(
                (per.c.reopened_max >= Enrollment.furthest_position, greatest(still_completed, per.c.completed_max)),
                else_=greatest(Enrollment.furthest_position, per.c.completed_max)),
        )
        .returning(Enrollment.id, Enrollment.completed_count)
    )


def _move_module_stats(changes, dialect: str):
    """Step 3b: each changed module's counters, in the enrollment's slot."""
    slot = (changes.c.enrollment_id % MODULE_STAT_SLOTS).label("slot")
    stmt = upsert(ModuleStats.__table__, dialect).from_select(
        ["module_id", "slot", "started_count", "completed_count", "completion_seconds"],
        select(changes.c.module_id, slot, func.sum(case((changes.c.inserted, 1), else_=0)),
               func.sum(changes.c.delta), func.sum(changes.c.seconds_delta))
        .where(changes.c.module_id.is_not(None))
        .group_by(changes.c.module_id, slot),
    )
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["module_id", "slot"],
        set_={"started_count": ModuleStats.started_count + new.started_count,
              "completed_count": ModuleStats.completed_count + new.completed_count,
              "completion_seconds": ModuleStats.completion_seconds + new.completion_seconds},
    )


def _log_events(changes):
    """Step 3c: one activity-log row per change."""
    kind = case((changes.c.completed, "completed"), (changes.c.delta < 0, "reopened"), else_="started")
    return insert(ProgressEvent.__table__).from_select(
        ["user_id", "course_id", "enrollment_id", "module_id", "kind", "occurred_at"],
        select(_ACTOR, Enrollment.course_id, changes.c.enrollment_id, changes.c.module_id, kind, _NOW)
        .join(Enrollment, Enrollment.id == changes.c.enrollment_id),
    )


def _learner_figures() -> list:
    """Step 4's per-learner columns, as they were before this write: completed and total
    modules over all their enrollments, whether they completed a module earlier today, and
    (only if not) their completion times of the last ``RECENT_DAYS`` days."""
    mine, course = aliased(Enrollment), aliased(Course)
    completed_event = and_(ProgressEvent.user_id == _ACTOR, ProgressEvent.kind == "completed")
    earlier_today = select(ProgressEvent.id).where(completed_event, ProgressEvent.occurred_at >= _TODAY_START).exists()
    recent = (select(collect(ProgressEvent.occurred_at))
              .where(completed_event, ProgressEvent.occurred_at >= _RECENT_SINCE)
              .scalar_subquery())
    return [
        select(func.coalesce(func.sum(mine.completed_count), 0)).where(mine.user_id == _ACTOR)
        .scalar_subquery().label("overall_done"),
        select(func.coalesce(func.sum(course.module_count), 0)).select_from(mine)
        .join(course, course.id == mine.course_id).where(mine.user_id == _ACTOR)
        .scalar_subquery().label("overall_total"),
        earlier_today.label("earlier_today"),
        case((earlier_today, None), else_=recent).label("recent"),
    ]


_RECORD_COLUMNS = ("id", "enrollment_id", "module_id", "completed", "started_at", "completed_at", "updated_at")


def _queue_statements(logged):
    """Step 3d, while xAPI statements are forwarded: queue each new log row's statement."""
    return insert(XapiOutbox.__table__).from_select(
        ["source", "source_id", "user_id", "queued_at"],
        select(literal("event"), logged.c.id, logged.c.user_id, _NOW).order_by(logged.c.id))


@functools.cache
def _postgresql_statement(only_new: bool, forward: bool) -> Prepared:
    """The whole write as one ``WITH`` statement, prepared on each connection."""
    checked = _checked(rows_of("items", _ITEM_COLUMNS, "postgresql")).cte("checked")
    target = select(checked).where(checked.c.owned, checked.c.in_course).subquery("target")
    written = _write_records(target, "postgresql", only_new).cte("written")
    changes = (
        select(written, checked.c.position)
        .join(checked, and_(checked.c.enrollment_id == written.c.enrollment_id,
                            checked.c.module_id == written.c.module_id))
        .cte("changes")
    )
    moved = _move_enrollments(changes).cte("moved")
    stats = _move_module_stats(changes, "postgresql").cte("stats")
    logged = _log_events(changes)
    if forward:
        logged = logged.returning(ProgressEvent.id, ProgressEvent.user_id)
    logged = logged.cte("logged")
    queued = [_queue_statements(logged).cte("queued")] if forward else []
    changed = changes.c.id.is_not(None)
    record = [case((changed, changes.c[name]), else_=getattr(Progress, name)).label(f"record_{name}")
              for name in _RECORD_COLUMNS]
    statement = (
        select(checked, *record, *[changes.c[name].label(f"change_{name}") for name in ("kind", "delta")],
               moved.c.completed_count.label("new_completed"),
               *_learner_figures())
        .select_from(checked)
        .outerjoin(changes, and_(changes.c.enrollment_id == checked.c.enrollment_id,
                                 changes.c.module_id == checked.c.module_id))
        .outerjoin(Progress, and_(Progress.enrollment_id == checked.c.enrollment_id,
                                  Progress.module_id == checked.c.module_id))
        .outerjoin(moved, moved.c.id == checked.c.enrollment_id)
        .order_by(checked.c.idx)
        .add_cte(stats, logged, *queued)
        .execution_options(**WRITES)
    )
    return Prepared(f"elearn_progress_write_{int(only_new)}{int(forward)}", statement)


@functools.cache
def _sqlite_statements(only_new: bool, forward: bool) -> SimpleNamespace:
    """The same parts as separate statements, each reading what the one before returned."""
    changes = rows_of("changes", _CHANGE_COLUMNS, "sqlite")
    keys = rows_of("keys", {"enrollment_id": int, "module_id": int}, "sqlite")
    return SimpleNamespace(
        checked=_checked(rows_of("items", _ITEM_COLUMNS, "sqlite")).order_by("idx"),
        write=_write_records(rows_of("target", _ITEM_COLUMNS, "sqlite"), "sqlite", only_new),
        learner=select(*_learner_figures()),
        records=select(Progress).join(keys, and_(keys.c.enrollment_id == Progress.enrollment_id,
                                                 keys.c.module_id == Progress.module_id))
        .execution_options(populate_existing=True),
        move_enrollments=_move_enrollments(changes),
        move_module_stats=_move_module_stats(changes, "sqlite"),
        log_events=_log_events(changes).returning(ProgressEvent.id, ProgressEvent.user_id) if forward
        else _log_events(changes),
    )


# --- running them -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Change:
    kind: str
    delta: int


@dataclass
class _Written:
    checked: list  # rows of _checked, in item order
    changes: dict[tuple[int, int], _Change]  # what _write_records changed, by record key
    records: dict[tuple[int, int], Record]  # the current record of every item that has one
    counters: dict[int, int]  # changed enrollment -> its completed modules now
    learner: object  # the row of _learner_figures


def _params(actor, now: datetime, by: str = "learner") -> dict:
    return {"actor_id": actor.id, "now": now, "today_start": start_of_today(now, actor.timezone),
            "recent_since": now - timedelta(days=RECENT_DAYS), "by": by}


def _run_postgresql(actor, items: list[tuple], now: datetime, only_new: bool, by: str) -> _Written:
    params = _params(actor, now, by) | rows_params("items", _ITEM_COLUMNS, items, "postgresql")
    rows = _postgresql_statement(only_new, forwarding_statements()).execute(db.session, params).all()
    result = _Written(rows, {}, {}, {}, rows[0])
    for row in rows:
        key = (row.enrollment_id, row.module_id)
        if row.change_kind is not None:
            result.changes[key] = _Change(row.change_kind, row.change_delta)
            result.counters[row.enrollment_id] = row.new_completed
        if row.record_id is not None:
            result.records[key] = Record.of(row, "record_")
    return result


def _run_sqlite(actor, items: list[tuple], now: datetime, only_new: bool, by: str) -> _Written:
    forward = forwarding_statements()
    session, sql, params = db.session, _sqlite_statements(only_new, forward), _params(actor, now, by)
    checked = session.execute(sql.checked, params | rows_params("items", _ITEM_COLUMNS, items, "sqlite")).all()
    target = [(row.idx, row.enrollment_id, row.module_id, row.completed) for row in checked
              if row.owned and row.in_course]
    written = []
    if target:
        written = session.execute(sql.write, params | rows_params("target", _ITEM_COLUMNS, target, "sqlite")).all()
    learner = session.execute(sql.learner, params).one()  # before the counters move
    result = _Written(checked, {(row.enrollment_id, row.module_id): _Change(row.kind, row.delta) for row in written},
                      {}, {}, learner)
    if target:
        keys = rows_params("keys", {"enrollment_id": int, "module_id": int},
                           [(e, m) for _i, e, m, _c in target], "sqlite")
        for progress in session.scalars(sql.records, keys):
            result.records[(progress.enrollment_id, progress.module_id)] = Record.of(progress)
    if written:
        position = {(row.enrollment_id, row.module_id): row.position for row in checked}
        changes = params | rows_params("changes", _CHANGE_COLUMNS, [
            (row.enrollment_id, row.module_id, row.completed, row.inserted, row.delta, row.seconds_delta,
             position[(row.enrollment_id, row.module_id)]) for row in written], "sqlite")
        for enrollment_id, completed in session.execute(sql.move_enrollments, changes):
            result.counters[enrollment_id] = completed
        session.execute(sql.move_module_stats, changes)
        logged = session.execute(sql.log_events, changes)
        if forward:
            queue_statements("event", sorted(logged.all()))
    return result


def _write(actor, items: list[tuple[int, int, bool]], only_new: bool = False, by: str = "learner") -> list[Outcome]:
    """Apply ``items`` ((enrollment id, module id, completed) each) for ``actor``; announce
    the changes. Items naming the same record: the last one decides, the earlier ones are
    not applied. ``only_new`` creates records and never changes an existing one; ``by``
    says who completes ("learner", or "rule": the module's completion rule)."""
    now = utcnow()
    last = {(e, m): index for index, (e, m, _c) in enumerate(items)}
    numbered = [(index, e, m, c) for index, (e, m, c) in enumerate(items) if last[(e, m)] == index]
    run = _run_postgresql if dialect_name() == "postgresql" else _run_sqlite
    written = run(actor, numbered, now, only_new, by)
    _forget_loaded(written)

    outcomes = {index: Outcome(index, e, m, False, False) for index, (e, m, _c) in enumerate(items)}
    for row in written.checked:
        outcome = outcomes[row.idx]
        outcome.owned, outcome.in_course = bool(row.owned), bool(row.in_course)
        change = written.changes.get((row.enrollment_id, row.module_id))
        outcome.kind = change.kind if change is not None else None
        outcome.record = written.records.get((row.enrollment_id, row.module_id))
    for index, (e, m, _c) in enumerate(items):  # the earlier items for a record share its state
        if last[(e, m)] != index:
            outcomes[index].owned, outcomes[index].in_course = outcomes[last[(e, m)]].owned, outcomes[last[(e, m)]].in_course
            outcomes[index].record = outcomes[last[(e, m)]].record
    _announce(actor, now, written)
    return [outcomes[index] for index in range(len(items))]


def _forget_loaded(written: _Written) -> None:
    """Expire the enrollments and records this request had loaded before the write changed
    them underneath the ORM, so that what it renders next reads the new values."""
    session = db.session
    for enrollment_id in written.counters:
        loaded = session.identity_map.get(identity_key(Enrollment, enrollment_id))
        if loaded is not None:
            session.expire(loaded)
    for record in written.records.values():
        loaded = session.identity_map.get(identity_key(Progress, record.id))
        if loaded is not None:
            session.expire(loaded)


def _announce(actor, now: datetime, written: _Written) -> None:
    """Queue one ``progress.updated`` event per change, then send the completions."""
    if not written.changes:
        return
    learner = written.learner
    overall_done = int(learner.overall_done) + sum(row.delta for row in written.changes.values())
    overall_total = int(learner.overall_total)
    courses = {row.enrollment_id: row for row in written.checked}
    completions: dict[int, Completion] = {}
    for (enrollment_id, module_id), change in written.changes.items():
        course = courses[enrollment_id]
        done = written.counters[enrollment_id]
        publish_after_commit({
            "type": "progress.updated",
            "userId": actor.id,
            "enrollmentId": enrollment_id,
            "courseId": course.course_id,
            "moduleId": module_id,
            "kind": change.kind,
            "completed": change.kind == "completed",
            "course": {"totalModules": course.module_count, "completedModules": done,
                       "percentage": percentage(done, course.module_count)},
            "overall": {"totalModules": overall_total, "completedModules": overall_done,
                        "percentage": percentage(overall_done, overall_total)},
        })
        if change.kind == "completed":
            completions[enrollment_id] = Completion(
                actor.id, course.course_id, is_complete(done, course.module_count), now,
                course_title=course.course_title, timezone=actor.timezone,
                completed_earlier_today=bool(learner.earlier_today),
                recent_completions=tuple(collected(learner.recent, _utc)))
    if completions:
        modules_completed.send(list(completions.values()))


def _utc(value) -> datetime:
    """A collected timestamp (PostgreSQL: a datetime; SQLite: naive UTC text) as aware UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- the operations ---------------------------------------------------------------------------

def _refuse(actor, outcome: Outcome) -> None:
    """Raise the error of an item that was not applied (the transaction is rolled back)."""
    if not outcome.owned:
        load_enrollment(actor, outcome.enrollment_id, write=True)  # 404 or 403, whichever applies
        raise NotFound(gettext("No such enrollment."))
    if not outcome.in_course:
        raise Invalid(gettext("The module is not part of this enrollment's course."),
                      details={"moduleId": gettext("not in the enrollment's course")})


def _one(actor, enrollment_id: int, module_id: int, completed: bool, only_new: bool = False,
         by: str = "learner") -> Outcome:
    (outcome,) = _write(actor, [(enrollment_id, module_id, completed)], only_new, by)
    _refuse(actor, outcome)
    if outcome.record is None:  # a concurrent write made it after this statement's snapshot
        outcome.record = _read_record(enrollment_id, module_id)
    return outcome


def _read_record(enrollment_id: int, module_id: int) -> Record:
    progress = db.session.scalar(
        select(Progress).where(Progress.enrollment_id == enrollment_id, Progress.module_id == module_id)
        .execution_options(populate_existing=True))
    return Record.of(progress)


def start_module(actor, enrollment_id: int, module_id: int, completed: bool = False) -> Record:
    """Create the record for a module (POST /api/progress); 409 when it exists."""
    outcome = _one(actor, enrollment_id, module_id, completed, only_new=True)
    if outcome.kind is None:
        raise Conflict(gettext("Progress for this module already exists."),
                       details={"enrollmentId": enrollment_id, "moduleId": module_id})
    return outcome.record


def mark_module_completed(actor, enrollment_id: int, module_id: int) -> Record:
    """Complete a module; idempotent: repeating it changes nothing and never duplicates."""
    return _one(actor, enrollment_id, module_id, True).record


def complete_by_rule(actor, enrollment_id: int, module_id: int) -> Record:
    """Complete a module because its completion rule is met (what the learner viewed or
    played): the same write as the learner's click, marked ``completed_by = "rule"``."""
    return _one(actor, enrollment_id, module_id, True, by="rule").record


def set_module_completed(actor, enrollment_id: int, module_id: int, completed: bool) -> Record:
    """Complete a module, or reopen it (starting it if it has no record yet)."""
    return _one(actor, enrollment_id, module_id, completed).record


def update_progress(actor, progress_id: int, completed: bool) -> Record:
    """PATCH a record by id: the owner completes or reopens it."""
    row = db.session.execute(
        select(Progress.enrollment_id, Progress.module_id).where(Progress.id == progress_id)).first()
    if row is None:
        raise NotFound(gettext("No such progress record."))
    try:
        return _one(actor, row.enrollment_id, row.module_id, completed).record
    except NotFound:
        raise NotFound(gettext("No such progress record.")) from None  # not the enrollment's existence either


@dataclass
class BulkItem:
    enrollment_id: int
    module_id: int
    completed: bool


@dataclass
class BulkResult:
    index: int
    enrollment_id: int
    module_id: int
    status: str  # "changed", "unchanged" or "error"
    record: Record | None = None
    error: dict | None = None


def bulk_set_completed(actor, items: list[BulkItem]) -> list[BulkResult]:
    """Apply up to 1,000 completions in the caller's transaction, in one statement.

    Authorization is all-or-nothing: if any enrollment is not the actor's, the request is
    refused and nothing is applied. Other problems (a module outside the course) fail only
    their own item.
    """
    if len(items) > MAX_BULK_ITEMS:
        raise Invalid(gettext("At most %(count)s items per request.", count=MAX_BULK_ITEMS), details={"items": gettext("too many")})
    outcomes = _write(actor, [(i.enrollment_id, i.module_id, i.completed) for i in items])
    foreign = sorted({o.enrollment_id for o in outcomes if not o.owned})
    if foreign:
        raise NotFound(gettext("No such enrollment."), details={"enrollmentIds": foreign})
    return [_bulk_result(outcome) for outcome in outcomes]


def _bulk_result(outcome: Outcome) -> BulkResult:
    result = BulkResult(outcome.index, outcome.enrollment_id, outcome.module_id,
                        "changed" if outcome.kind else "unchanged", outcome.record)
    if not outcome.in_course:
        result.status, result.record = "error", None
        result.error = {"code": "invalid", "message": gettext("The module is not part of this enrollment's course.")}
    return result

