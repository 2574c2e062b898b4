"""Base classes for API schemas: camelCase on the wire, unknown fields refused."""
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

#: The largest id a BIGINT column holds.
MAX_ID = 2**63 - 1

#: A row id in input: positive and small enough for the database.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

#: A UTC time written as ISO 8601 with an explicit offset: 2026-11-25T16:37:13+00:00.
Timestamp = Annotated[datetime, PlainSerializer(
    lambda value: value.astimezone(UTC).isoformat(), return_type=str, when_used="json")]


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class InSchema(BaseModel):
    """Request bodies, query strings and forms. Extra keys are an error, not silently dropped,
    and no text may hold a NUL character (no database stores one; PostgreSQL refuses it)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        if _has_nul(value):
            raise PydanticCustomError("nul_character", "must not contain NUL characters")
        return value


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def if_sent(**constraints):
    """A field of a partial update (PATCH): absent means "leave it", and ``null`` is refused
    (the field always has a value). The document shows no default."""
    return Field(None, json_schema_extra=_no_default, **constraints)


class OutSchema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class PageQuery(InSchema):
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)


class ErrorBody(OutSchema):
    code: str
    message: str
    details: dict = {}


class ErrorOut(OutSchema):
    error: ErrorBody
