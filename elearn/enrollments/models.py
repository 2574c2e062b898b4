"""The enrollment table.

``completed_count``, ``completed_at``, ``last_activity_at`` and ``furthest_position`` are
counters that progress keeps (``progress/counters.py``, with the completion rule and the recount) in the same
transaction as each progress write and each change to the course's modules. Dashboards
read them instead of counting progress rows, which keeps "my progress" one indexed lookup
at any scale.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (
        # (user_id, course_id) also serves "the enrollments of a user".
        UniqueConstraint("user_id", "course_id"),
        # Both lead with course_id: they serve "the enrollments of a course" and its
        # student list sorted by progress or by last activity.
        Index("ix_enrollments_course_progress", "course_id", "completed_count"),
        Index("ix_enrollments_course_activity", "course_id", "last_activity_at"),
        # Not declared here, because each database spells it its own way (the migration
        # "progress counters" creates it): the instructor's default order, most recent
        # activity first and the silent last, read in index order:
        # PostgreSQL ix_enrollments_course_recent (course_id, last_activity_at DESC NULLS LAST, id);
        # SQLite, whose descending order puts NULLs last anyway,
        # ix_enrollments_course_recent_sqlite (course_id, last_activity_at DESC, id).
        # Nor, as it orders by an expression, the learners-at-risk index (its migration):
        # ix_enrollments_course_unfinished (course_id, idle_since, id) of unfinished
        # enrollments, on PostgreSQL carrying the columns the at-risk signals and drop-off read.
        Index("ix_enrollments_enrolled_at", "enrolled_at"),
        # The course's completions and their durations, read from this index alone.
        Index("ix_enrollments_course_state", "course_id", "completed_at", "enrolled_at", "last_activity_at",
              "furthest_position"),
        CheckConstraint("price_paid_cents >= 0", name="price_paid_not_negative"),
        CheckConstraint("completed_count >= 0", name="completed_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    price_paid_cents: Mapped[int] = mapped_column(default=0)
    completed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The position of the furthest module completed (0: none); drop-off reads it.
    furthest_position: Mapped[int] = mapped_column(default=0, server_default="0")

    user = relationship("User", lazy="raise")
    course = relationship("Course", lazy="raise")

    @hybrid_property
    def idle_since(self) -> datetime:
        """Since when the learner has been silent: their last activity, or, never active,
        their enrollment (inactivity, drop-off, reminders all count from it)."""
        return self.last_activity_at or self.enrolled_at

    @idle_since.inplace.expression
    @classmethod
    def _idle_since_expression(cls):
        return func.coalesce(cls.last_activity_at, cls.enrolled_at)
