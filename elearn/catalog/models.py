"""Catalog tables.

``Course.module_count`` is a counter kept by the catalog service in the same transaction
as every module insert or delete, so progress percentages never count modules per read.
``Course.enrollment_count`` is kept the same way by the enrollments service, so the
instructor's student list never counts a class per read.
"""
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..storage import storage, thumbnail_address, thumbnail_srcset

CONTENT_TYPES = ("video", "audio", "pdf", "image", "article", "link", "quiz", "text")
#: Content that plays: the "watch" completion rule counts how much of each was played.
PLAYABLE_TYPES = ("video", "audio")
#: How a module is completed: the learner's click, opening every content, or playing
#: ``watch_percent`` of each video and audio.
COMPLETION_RULES = ("manual", "view", "watch")


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Difficulty(db.Model):
    """Beginner, intermediate, ...; ``rank`` orders them in filters."""

    __tablename__ = "difficulties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    rank: Mapped[int] = mapped_column(default=0)


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("module_count >= 0", name="module_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    difficulty_id: Mapped[int | None] = mapped_column(
        ForeignKey("difficulties.id", ondelete="SET NULL"), index=True
    )
    instructor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    price_cents: Mapped[int] = mapped_column(default=0)
    thumbnail_url: Mapped[str | None] = mapped_column(String(1000))
    #: An uploaded thumbnail: the storage key its resized copies are named from.
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    module_count: Mapped[int] = mapped_column(default=0, server_default="0")
    enrollment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Days of silence (or, never started, since enrolling) after which a learner is at risk.
    at_risk_after_days: Mapped[int] = mapped_column(default=14, server_default="14")
    #: Learners at risk when last counted, in the background (``analytics.at_risk``).
    at_risk_count: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp()
    )

    @property
    def thumbnail_address(self) -> str | None:
        return thumbnail_address(self.thumbnail_key, self.thumbnail_url)

    def thumbnail_srcset(self, image_format: str) -> str:
        return thumbnail_srcset(self.thumbnail_key, image_format)

    category: Mapped[Category | None] = relationship(lazy="joined")
    difficulty: Mapped[Difficulty | None] = relationship(lazy="joined")
    instructor = relationship("User", lazy="raise")
    modules: Mapped[list["Module"]] = relationship(
        back_populates="course", order_by="Module.position", lazy="raise",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class Module(db.Model):
    """One step of a course. ``position`` is the API's ``order`` (a reserved word in SQL)."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]
    completion_rule: Mapped[str] = mapped_column(
        Enum(*COMPLETION_RULES, name="completion_rule", native_enum=False, create_constraint=True, length=8),
        default="manual", server_default="manual")
    watch_percent: Mapped[int] = mapped_column(default=90, server_default="90")

    course: Mapped[Course] = relationship(back_populates="modules", lazy="raise")
    contents: Mapped[list["Content"]] = relationship(
        back_populates="module", order_by="Content.position", lazy="raise",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class Content(db.Model):
    __tablename__ = "contents"
    __table_args__ = (Index("ix_contents_module_position", "module_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(
        Enum(*CONTENT_TYPES, name="content_type", native_enum=False, create_constraint=True, length=16)
    )
    #: An address elsewhere, or of the stored file; None for a Markdown lesson (``text``).
    url: Mapped[str | None] = mapped_column(String(1000))
    #: A ``text`` lesson's Markdown (rendered and sanitised when shown).
    body: Mapped[str | None] = mapped_column(Text)
    #: An uploaded file: its key in the storage (``elearn.storage``), type and size.
    storage_key: Mapped[str | None] = mapped_column(String(200))
    media_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship(back_populates="contents", lazy="raise")

    @property
    def address(self) -> str | None:
        """Where a browser fetches it: the stored file's address now (a presigned one
        expires), else the address given."""
        return storage().url(self.storage_key) if self.storage_key else self.url
