"""Base classes for API schemas: camelCase on the wire, unknown fields refused."""
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

#: A UTC time written as ISO 8601 with an explicit offset: 2026-11-25T16:37:13+00:00.
Timestamp = Annotated[datetime, PlainSerializer(
    lambda value: value.astimezone(UTC).isoformat(), return_type=str, when_used="json")]


class InSchema(BaseModel):
    """Request bodies and query strings. Extra keys are an error, not silently dropped."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


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
