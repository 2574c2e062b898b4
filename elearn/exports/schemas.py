"""API schemas for the warehouse exports."""
from flask_babel import gettext
from pydantic import Field, model_validator

from ..schemas import Id, InSchema, Moment


class ExportQuery(InSchema):
    """Rows of one course (all when left out) whose time falls in ``[since, until)``."""

    course_id: Id | None = None
    since: Moment | None = Field(None, description="At or after this time (ISO 8601 with offset).")
    until: Moment | None = Field(None, description="Before this time (ISO 8601 with offset).")

    @model_validator(mode="after")
    def _window(self):
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError(gettext("Give a start time (since) before the end time (until)."))
        return self
