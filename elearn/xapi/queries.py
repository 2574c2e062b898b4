"""The rows statements are made from, read in one statement per page.

Three selects make one list (``UNION ALL``): activity-log rows (one statement each),
course-completion badges (the course's completed statement) and every badge (the earned
statement). Filters apply to each branch, where the indexes on ``progress_events`` (user,
course, time) and ``achievements`` (user, time) find the rows; the page is ordered by
(time, part, id), which is also its keyset. Activity-log rows of a deleted module make no
statement (their activity is gone).
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from sqlalchemy import Integer, String, case, cast, literal, null, select, tuple_, union_all

from ..achievements.models import Achievement
from ..achievements.service import COURSE_COMPLETED, describe
from ..auth.models import User
from ..catalog.models import Course, Module
from ..i18n import DEFAULT_LANGUAGE
from ..progress.models import ProgressEvent
from .statements import BADGE, COURSE_COMPLETION, EVENT, KIND_VERBS, Source


@dataclass
class Filters:
    """Which statements: every field narrows the list; None leaves it open."""

    user_id: int | None = None
    course_ids: object = None  # a SELECT of course ids the reader may see, or None for all
    course_id: int | None = None  # statements about this course or its modules
    module_id: int | None = None
    badge_key: str | None = None
    parts: tuple[int, ...] = (EVENT, COURSE_COMPLETION, BADGE)
    verbs: tuple[str, ...] | None = None
    since: datetime | None = None  # after
    until: datetime | None = None  # at or before


def _kind_verb(kind):
    return case(*((kind == k, v) for k, v in KIND_VERBS.items()))


def _badge_select(part: int, verb: str):
    return select(Achievement.earned_at.label("at"), literal(part).label("part"), Achievement.id.label("source_id"),
                  Achievement.user_id, Achievement.course_id, cast(null(), Integer).label("module_id"),
                  Achievement.key.label("badge_key"), literal(verb).label("verb"))


def _branches(filters: Filters) -> list:
    event_verb = _kind_verb(ProgressEvent.kind)
    events = select(ProgressEvent.occurred_at.label("at"), literal(EVENT).label("part"),
                    ProgressEvent.id.label("source_id"), ProgressEvent.user_id, ProgressEvent.course_id,
                    ProgressEvent.module_id, cast(null(), String).label("badge_key"), event_verb.label("verb"))
    events = events.where(ProgressEvent.module_id.is_not(None))
    course_badge = Achievement.key.like(f"{COURSE_COMPLETED}:%")
    completions = _badge_select(COURSE_COMPLETION, "completed").where(course_badge)
    badges = _badge_select(BADGE, "earned")
    chosen = []
    for part, stmt, table in ((EVENT, events, ProgressEvent), (COURSE_COMPLETION, completions, Achievement),
                              (BADGE, badges, Achievement)):
        if part not in filters.parts:
            continue
        at = table.occurred_at if table is ProgressEvent else table.earned_at
        if filters.verbs is not None:
            if part == EVENT:
                stmt = stmt.where(ProgressEvent.kind.in_([k for k, v in KIND_VERBS.items() if v in filters.verbs]))
            elif ("completed" if part == COURSE_COMPLETION else "earned") not in filters.verbs:
                continue
        if filters.user_id is not None:
            stmt = stmt.where(table.user_id == filters.user_id)
        if filters.course_ids is not None:
            stmt = stmt.where(table.course_id.in_(filters.course_ids))
        if filters.course_id is not None:
            stmt = stmt.where(table.course_id == filters.course_id)
        if filters.module_id is not None:
            if part != EVENT:
                continue
            stmt = stmt.where(ProgressEvent.module_id == filters.module_id)
        if filters.badge_key is not None:
            if part != BADGE:
                continue
            stmt = stmt.where(Achievement.key == filters.badge_key)
        if filters.since is not None:
            stmt = stmt.where(at > filters.since)
        if filters.until is not None:
            stmt = stmt.where(at <= filters.until)
        chosen.append(stmt)
    return chosen


def statement_rows(filters: Filters, *, ascending: bool, limit: int, after: tuple | None = None):
    """Up to ``limit`` statement sources, in time order, after the keyset ``after``
    ((time, part, source id) of the previous page's last row); None when no branch can match."""
    branches = _branches(filters)
    if not branches:
        return None
    listed = union_all(*branches).subquery("listed")
    key = tuple_(listed.c.at, listed.c.part, listed.c.source_id)
    stmt = _with_names(listed)
    if after is not None:
        stmt = stmt.where(key > tuple(after) if ascending else key < tuple(after))
    order = (listed.c.at, listed.c.part, listed.c.source_id)
    return stmt.order_by(*(order if ascending else (column.desc() for column in order))).limit(limit)


def sources(rows) -> list[Source]:
    """The rows of ``statement_rows`` as statement sources (badge titles in the site's
    language: a statement reads the same whoever asks, and whenever it is resent)."""
    with force_locale(DEFAULT_LANGUAGE):
        return [Source(part=row.part, source_id=row.source_id, occurred_at=row.at, user_id=row.user_id,
                       email=row.email, verb=row.verb, course_id=row.course_id, course_title=row.course_title,
                       module_id=row.module_id, module_title=row.module_title, badge_key=row.badge_key,
                       badge_title=describe(row.badge_key, row.course_title).title if row.badge_key else None)
                for row in rows]


def queued_rows(events: list[int], badges: list[int]):
    """The sources of the outbox's rows: the activity-log rows ``events`` and the badges
    ``badges`` (each course badge twice: completion and badge), in one statement."""
    branches = _branches(Filters())
    listed = union_all(
        branches[0].where(ProgressEvent.id.in_(events or [-1])),
        branches[1].where(Achievement.id.in_(badges or [-1])),
        branches[2].where(Achievement.id.in_(badges or [-1])),
    ).subquery("listed")
    return _with_names(listed)


def _with_names(listed):
    """The listed sources with what their statements name: email, course and module titles."""
    return (
        select(listed, User.email, Course.title.label("course_title"), Module.title.label("module_title"))
        .join(User, User.id == listed.c.user_id)
        .outerjoin(Course, Course.id == listed.c.course_id)
        .outerjoin(Module, Module.id == listed.c.module_id)
    )
