"""API schemas for notification preferences."""
from typing import Literal

from ..schemas import InSchema, OutSchema


class PreferencesIn(InSchema):
    """The kinds to turn on (true) or off (false), and the language of email; what is left
    out stays as it was."""

    messages: bool | None = None
    inactivity: bool | None = None
    streaks: bool | None = None
    achievements: bool | None = None
    digests: bool | None = None
    language: Literal["en", "es"] | None = None


class PreferencesOut(OutSchema):
    messages: bool
    inactivity: bool
    streaks: bool
    achievements: bool
    digests: bool
    language: str
