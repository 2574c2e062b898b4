"""What learners open and play, and the completion rules that follow from it.

A learner's page reports each content they open, and while a video or audio plays, the
ranges of it actually played (the media element's ``played``: seeking ahead adds nothing),
every few seconds. The ranges are merged with those reported before, so a report repeated
or overlapping another counts once, and ``played_seconds`` is their total.

After each report the module's completion rule is checked:

- ``manual``: nothing happens (the learner's Mark complete, as always);
- ``view``: complete once every content of the module has been opened;
- ``watch``: complete once ``watch_percent`` of each video and audio has been played (a
  module with none of them completes on opening everything, as ``view``).

A module completed by its rule goes through the same write as the learner's click
(``writes.complete_by_rule``): counters, events, badges and live pages follow, and the
record says ``completed_by = "rule"`` for the instructor. A rule never reopens a module.
"""
from flask_babel import gettext
from sqlalchemy import select

from ..catalog.models import PLAYABLE_TYPES, Content, Module
from ..errors import NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..sql import upsert
from .access import load_enrollment
from .models import ContentView, Progress
from .writes import complete_by_rule

#: Longer than any lesson; a reported duration or range end beyond it is cut to it.
MAX_SECONDS = 24 * 3600.0
#: Ranges closer than this are one (players report a range per buffered stretch).
JOIN_GAP = 0.5


def merge_ranges(ranges: list, duration: float | None = None) -> list[list[float]]:
    """``[[start, end], …]`` sorted, clipped to ``[0, duration]``, overlaps joined."""
    limit = min(duration or MAX_SECONDS, MAX_SECONDS)
    spans = sorted((max(0.0, float(a)), min(float(b), limit)) for a, b in ranges if float(b) > float(a))
    merged: list[list[float]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1] + JOIN_GAP:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(a, 3), round(b, 3)] for a, b in merged]


def _share(view: ContentView) -> float:
    """The share of a playable content played, 0 to 100."""
    if not view.duration:
        return 0.0
    return round(min(100.0, 100.0 * view.played_seconds / view.duration), 1)


def _rule_met(module: Module, enrollment_id: int) -> bool:
    contents = db.session.execute(select(Content.id, Content.type).where(Content.module_id == module.id)).all()
    if not contents:
        return False
    views = {view.content_id: view for view in db.session.scalars(
        select(ContentView).where(ContentView.enrollment_id == enrollment_id,
                                  ContentView.content_id.in_([c.id for c in contents])))}
    playable = [c.id for c in contents if c.type in PLAYABLE_TYPES]
    if module.completion_rule == "watch" and playable:
        return all(c in views and _share(views[c]) >= module.watch_percent for c in playable)
    return all(c.id in views for c in contents)


def record_view(actor, content_id: int, enrollment_id: int, played_ranges: list | None = None,
                duration: float | None = None) -> dict:
    """Record that ``actor`` opened (and played these ranges of) a content; complete the
    module when its rule is met. The content's state and the module's, for the answer."""
    enrollment, _course = load_enrollment(actor, enrollment_id, write=True)
    row = db.session.execute(select(Content, Module).join(Module, Module.id == Content.module_id)
                             .where(Content.id == content_id)).first()
    if row is None or row.Module.course_id != enrollment.course_id:
        raise NotFound(gettext("No such content in this enrollment's course."))
    content, module = row
    db.session.execute(upsert(ContentView).values(enrollment_id=enrollment.id, content_id=content.id, played=[],
                                                  played_seconds=0.0)
                       .on_conflict_do_nothing(index_elements=["enrollment_id", "content_id"]))
    view = db.session.scalar(select(ContentView).where(ContentView.enrollment_id == enrollment.id,
                                                       ContentView.content_id == content.id).with_for_update())
    if duration is not None:
        view.duration = min(max(float(duration), view.duration or 0.0), MAX_SECONDS)
    if played_ranges:
        view.played = merge_ranges([*view.played, *played_ranges], view.duration)
        view.played_seconds = round(sum(end - start for start, end in view.played), 3)
    db.session.flush()
    publish_after_commit({"type": "content.viewed", "userId": actor.id, "courseId": enrollment.course_id,
                          "contentId": content.id, "enrollmentId": enrollment.id})
    record = db.session.execute(select(Progress.completed, Progress.completed_by).where(
        Progress.enrollment_id == enrollment.id, Progress.module_id == module.id)).first()
    completed, completed_by = (record.completed, record.completed_by) if record else (False, None)
    if not completed and module.completion_rule != "manual" and _rule_met(module, enrollment.id):
        complete_by_rule(actor, enrollment.id, module.id)
        completed, completed_by = True, "rule"
    return {"content_id": content.id, "watched_percent": _share(view) if content.type in PLAYABLE_TYPES else None,
            "module": {"module_id": module.id, "completed": completed,
                       "completed_by": completed_by if completed else None}}


def module_shares(enrollment_id: int, module_ids: list[int]) -> dict[int, dict]:
    """Per module: contents opened of all, and (playables) the least share played, for the page."""
    rows = db.session.execute(
        select(Content.module_id, Content.type, ContentView.played_seconds, ContentView.duration,
               ContentView.id.is_not(None).label("seen"))
        .outerjoin(ContentView, (ContentView.content_id == Content.id) & (ContentView.enrollment_id == enrollment_id))
        .where(Content.module_id.in_(module_ids))).all()
    shares: dict[int, dict] = {}
    for module_id, kind, played, duration, seen in rows:
        entry = shares.setdefault(module_id, {"opened": 0, "contents": 0, "playables": 0, "least_played": None})
        entry["contents"] += 1
        entry["opened"] += 1 if seen else 0
        if kind in PLAYABLE_TYPES:
            entry["playables"] += 1
            share = round(min(100.0, 100.0 * (played or 0) / duration), 1) if duration else 0.0
            entry["least_played"] = share if entry["least_played"] is None else min(entry["least_played"], share)
    return shares


