"""Progress records and the append-only activity log."""
from datetime import datetime

from flask import current_app
from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import BigId, UTCDateTime, utcnow
from ..extensions import db

EVENT_KINDS = ("started", "completed", "reopened")


class Progress(db.Model):
    """One student's state in one module; at most one row per (enrollment, module)."""

    __tablename__ = "progress"
    __table_args__ = (
        # Leads with enrollment_id, so it is also the index for "records of an enrollment".
        UniqueConstraint("enrollment_id", "module_id"),
        # Module completion rates and deletes of a module's records.
        Index("ix_progress_module_completed", "module_id", "completed"),
        # Each module's completion times in order, read from the index alone: the at-risk
        # baseline (80th percentile per module) of a 20,000-learner course in tens of ms.
        Index("ix_progress_module_completion_seconds", "module_id", "completion_seconds",
              postgresql_where=text("completed AND completion_seconds IS NOT NULL"),
              sqlite_where=text("completed AND completion_seconds IS NOT NULL")),
        # Each module's open records by start, with their enrollment, from the index alone:
        # the learners at risk who are stalled on a module.
        Index("ix_progress_open_started", "module_id", "started_at", "enrollment_id",
              postgresql_where=text("NOT completed"), sqlite_where=text("NOT completed")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    completed: Mapped[bool] = mapped_column(default=False, server_default=false())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Whole seconds from ``started_at`` to the latest completion. Kept when the module is
    #: reopened, so that the write that reopens it can take exactly this much back out of
    #: the module's counters (``ModuleStats``) without reading the row first.
    completion_seconds: Mapped[int | None]
    #: Seconds the learner was active on the module's page (heartbeats, ``active_time``).
    active_seconds: Mapped[int] = mapped_column(BigInteger, server_default="0")  # no Python default: the write statement inserts from a SELECT
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who completed it last: the learner's click ("learner") or the module's completion
    #: rule, on what they viewed or played ("rule").
    completed_by: Mapped[str] = mapped_column(
        Enum("learner", "rule", name="completed_by", native_enum=False, create_constraint=True, length=8),
        server_default="learner")


class ContentView(db.Model):
    """What a learner opened and played of a content: the source of the "view" and "watch"
    completion rules. ``played`` is the merged list of ``[start, end]`` second ranges
    actually played (seeking ahead adds nothing); ``played_seconds`` its total."""

    __tablename__ = "content_views"
    __table_args__ = (UniqueConstraint("enrollment_id", "content_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    content_id: Mapped[int] = mapped_column(ForeignKey("contents.id", ondelete="CASCADE"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    played: Mapped[list] = mapped_column(JSON, default=list)
    played_seconds: Mapped[float] = mapped_column(default=0.0)
    duration: Mapped[float | None]


#: Each module's counters are spread over this many rows (an enrollment writes to slot
#: ``enrollment_id % MODULE_STAT_SLOTS``), so learners completing the same module at the
#: same moment do not queue on one row lock.
MODULE_STAT_SLOTS = 8


class ModuleStats(db.Model):
    """A module's counters, summed over its slots: records started (completed or not),
    records completed, and the sum of their ``completion_seconds``.

    Moved in the same statement as every progress write (``writes.py``) and rebuilt by
    ``counters.recount_modules``; course analytics read these few rows instead of the
    module's records, so their cost does not grow with the class.
    """

    __tablename__ = "module_stats"

    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    started_count: Mapped[int] = mapped_column(default=0, server_default="0")
    completed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    completion_seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ProgressEvent(db.Model):
    """What happened when: the source of streaks, engagement, retention and patterns.

    Rows are only ever appended. Deleting a module keeps its history (``module_id``
    becomes NULL); deleting a course or enrollment removes it with them.
    """

    __tablename__ = "progress_events"
    __table_args__ = (
        Index("ix_progress_events_user_time", "user_id", "occurred_at"),
        Index("ix_progress_events_course_time", "course_id", "occurred_at"),
        Index("ix_progress_events_time", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(
        Enum(*EVENT_KINDS, name="progress_event_kind", native_enum=False, create_constraint=True, length=16)
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class XapiOutbox(db.Model):
    """Statements waiting to go to the Learning Record Store (``xapi.forwarding``).

    A row names what a statement is made from: an activity-log row (``source`` "event") or
    a badge (``source`` "badge"; a course's completion badge also makes the course's
    completed statement). Rows are written only while ``XAPI_LRS_URL`` is set, in the same
    transaction as what they name (the progress write adds them inside its one statement),
    so a change committed is a statement queued, whatever happens to the process after.
    The forwarder sends them in id order and stamps ``sent_at``; a statement the LRS
    refuses for good gets ``failed_at`` and its answer in ``last_error``.
    """

    __tablename__ = "xapi_outbox"
    __table_args__ = (
        # The backlog, in order: what the forwarder reads, and what the admin page counts.
        Index("ix_xapi_outbox_waiting", "id",
              postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
              sqlite_where=text("sent_at IS NULL AND failed_at IS NULL")),
        Index("ix_xapi_outbox_sent", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(Enum("event", "badge", name="xapi_source", native_enum=False,
                                             create_constraint=True, length=8))
    source_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(server_default="0")  # no Python default: rows come from INSERT .. SELECT
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def forwarding_statements() -> bool:
    """True when progress and badges queue xAPI statements (``XAPI_LRS_URL`` is set)."""
    return bool(current_app.config.get("XAPI_LRS_URL"))


def queue_statements(source: str, rows: list[tuple[int, int]]) -> None:
    """Queue the statements of ``rows`` ((source id, user id) each) in the caller's transaction."""
    if rows and forwarding_statements():
        db.session.execute(XapiOutbox.__table__.insert(),
                           [{"source": source, "source_id": sid, "user_id": uid, "queued_at": utcnow()}
                            for sid, uid in rows])
