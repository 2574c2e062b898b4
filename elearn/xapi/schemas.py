"""API schemas of xAPI: the statement query (an LRS's subset), the forwarding state, replays."""
from typing import Any

from flask_babel import gettext
from pydantic import Field, model_validator

from ..schemas import Day, InSchema, Moment, OutSchema, PageQuery, Timestamp

MAX_LIMIT = 500


class StatementQuery(InSchema):
    """The LRS query parameters that matter for progress (xAPI 1.0.3, 7.2.3)."""

    since: Moment | None = Field(None, description="Statements stored after this time (ISO 8601 with offset).")
    until: Moment | None = Field(None, description="Statements stored at or before this time.")
    verb: str | None = Field(None, max_length=500, description="A verb IRI.")
    activity: str | None = Field(None, max_length=2000, description="An activity IRI: the statement's object.")
    related_activities: bool = Field(False, alias="related_activities",
                                     description="With a course as `activity`: its modules' statements too.")
    agent: str | None = Field(None, max_length=2000,
                              description='The actor, as JSON: {"account": {"homePage": ..., "name": ...}} or '
                                          '{"mbox": "mailto:..."}.')
    limit: int = Field(100, ge=0, le=MAX_LIMIT, description=f"Statements per answer; 0 for the most ({MAX_LIMIT}).")
    ascending: bool = Field(False, description="Oldest first (the default is newest first).")
    cursor: str | None = Field(None, max_length=200, description="Where the previous answer's `more` left off.")

    @model_validator(mode="after")
    def _window(self):
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError(gettext("Give a start time (since) before the end time (until)."))
        return self


class StatementsOut(OutSchema):
    statements: list[dict[str, Any]]
    #: The address of the next answer, or "" after the last one.
    more: str


class ReplayIn(InSchema):
    """Send again every statement of ``[since, until)``."""

    since: Moment
    until: Moment

    @model_validator(mode="after")
    def _window(self):
        if self.since >= self.until:
            raise ValueError(gettext("Give a start time (since) before the end time (until)."))
        return self


class ReplayDaysForm(InSchema):
    """The page's replay: whole days, in the admin's time zone, both included."""

    first_day: Day
    last_day: Day

    @model_validator(mode="after")
    def _window(self):
        if self.first_day > self.last_day:
            raise ValueError(gettext("Give a first day on or before the last day."))
        return self


class ReplayOut(OutSchema):
    queued: int


class ForwardingOut(OutSchema):
    """The LRS forwarding at a glance."""

    enabled: bool
    lrs_url: str | None
    waiting: int
    failed: int
    retrying: int
    last_success_at: Timestamp | None
    next_attempt_at: Timestamp | None
    last_error: str | None


class RefusedQuery(PageQuery):
    pass


class RefusedStatementOut(OutSchema):
    """A queued statement the LRS refused for good (it is not sent again unless replayed)."""

    id: int
    source: str
    source_id: int
    user_id: int
    email: str
    queued_at: Timestamp
    attempts: int
    next_attempt_at: Timestamp | None
    last_error: str | None
    failed_at: Timestamp | None
