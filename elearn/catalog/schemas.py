"""API schemas for the catalog."""
from typing import Annotated, Literal

from flask_babel import gettext
from pydantic import AfterValidator, AliasChoices, AnyHttpUrl, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..schemas import Id, InSchema, OutSchema, PageQuery, Timestamp, if_sent
from .lessons import MAX_BODY

Title = Field(min_length=1, max_length=200)


def _safe_url(value: str) -> str:
    """An http(s) URL or a same-site path: a ``javascript:`` link would run in learners' pages."""
    if value.startswith("/") and not value.startswith("//"):
        return value
    return str(AnyHttpUrl(value))


SafeUrl = Annotated[str, Field(max_length=1000), AfterValidator(_safe_url)]


class CourseIn(InSchema):
    title: str = Title
    description: str = Field("", max_length=20_000)
    category_id: Id | None = None
    difficulty_id: Id | None = None
    price_cents: int = Field(0, ge=0, le=100_000_000)
    thumbnail_url: SafeUrl | None = None
    published: bool = False
    at_risk_after_days: int = Field(14, ge=1, le=365, description="Days of silence after which a learner is at risk.")


class CourseUpdateIn(InSchema):
    """Only the fields sent change. ``null`` clears the category, difficulty or thumbnail; the
    other fields always have a value, so ``null`` for them is refused."""

    title: str = if_sent(min_length=1, max_length=200)
    description: str = if_sent(max_length=20_000)
    category_id: Id | None = None
    difficulty_id: Id | None = None
    price_cents: int = if_sent(ge=0, le=100_000_000)
    thumbnail_url: SafeUrl | None = None
    published: bool = if_sent()
    at_risk_after_days: int = if_sent(ge=1, le=365)


class CourseQuery(PageQuery):
    q: str | None = Field(None, max_length=200)
    category_id: Id | None = None
    difficulty_id: Id | None = None
    mine: bool = False


class ModuleIn(InSchema):
    title: str = Title
    description: str = Field("", max_length=20_000)
    order: int | None = Field(None, ge=1, le=10_000)


class ModuleUpdateIn(InSchema):
    """Only the fields sent change; none of them may be ``null``."""

    title: str = if_sent(min_length=1, max_length=200)
    description: str = if_sent(max_length=20_000)
    order: int = if_sent(ge=1, le=10_000)
    completion_rule: Literal["manual", "view", "watch"] = if_sent(
        description="manual: the learner's Mark complete; view: on opening every content; watch: on playing "
                    "watchPercent of each video and audio.")
    watch_percent: int = if_sent(ge=10, le=100)


ContentType = Literal["video", "audio", "pdf", "image", "article", "link", "quiz", "text"]


class ContentIn(InSchema):
    """A content at an address (``url``), or a lesson written in Markdown (``type: "text"``, ``body``)."""

    title: str = Title
    type: ContentType
    url: SafeUrl | None = Field(None, validate_default=True)
    body: str | None = Field(None, max_length=MAX_BODY, validate_default=True, description="A text lesson's Markdown.")

    @field_validator("url", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value):
        """A form's empty address field: no address (a lesson has none)."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("url")
    @classmethod
    def _url_unless_text(cls, value, info: ValidationInfo):
        if info.data.get("type") == "text":
            return None
        if not value:
            raise PydanticCustomError("url_missing", gettext("Give the content's address."))
        return value

    @field_validator("body")
    @classmethod
    def _body_for_text(cls, value, info: ValidationInfo):
        if info.data.get("type") != "text":
            return None
        if not (value or "").strip():
            raise PydanticCustomError("body_missing", gettext("Write the lesson (Markdown)."))
        return value


class LookupOut(OutSchema):
    id: int
    name: str


class PersonOut(OutSchema):
    id: int
    name: str


class ContentOut(OutSchema):
    id: int
    module_id: int
    title: str
    type: str
    #: The address (of the stored file for an upload); None for a text lesson.
    url: str | None = Field(validation_alias=AliasChoices("address", "url"))
    #: A text lesson's Markdown.
    body: str | None = None
    media_type: str | None = None
    size_bytes: int | None = None
    order: int = Field(validation_alias="position")
    position: int


class ModuleOut(OutSchema):
    id: int
    course_id: int
    title: str
    description: str
    order: int = Field(validation_alias="position")
    completion_rule: str
    watch_percent: int


class ModuleDetailOut(ModuleOut):
    contents: list[ContentOut]


class CourseOut(OutSchema):
    id: int
    title: str
    description: str
    category_id: int | None
    category: LookupOut | None
    difficulty_id: int | None
    difficulty: LookupOut | None
    instructor_id: int
    price_cents: int
    #: An uploaded thumbnail's address (640 pixels wide), or the address given.
    thumbnail_url: str | None = Field(validation_alias=AliasChoices("thumbnail_address", "thumbnail_url"))
    published: bool
    module_count: int
    at_risk_after_days: int
    created_at: Timestamp


class CourseDetailOut(CourseOut):
    modules: list[ModuleDetailOut]


class UploadFields(InSchema):
    """The form fields beside an uploaded content's file."""

    title: str | None = Field(None, max_length=200)
    type: Literal["video", "audio", "pdf", "image"] | None = None
    file: str | None = None  # the file itself is read from request.files
