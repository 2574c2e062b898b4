"""API schemas of CSV imports."""
from pydantic import Field

from ..schemas import InSchema, OutSchema


class ImportQuery(InSchema):
    dry_run: bool = Field(True, description="true: only say what the file would do; false: do it.")
    create_accounts: bool = Field(False, description="Create (and invite by email) accounts for unknown emails.")


class ImportProblemOut(OutSchema):
    line: int
    message: str


class ImportResultOut(OutSchema):
    """What the file does (or would do): rows by outcome, and each row with an error."""

    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[ImportProblemOut]


class ImportForm(InSchema):
    create_accounts: bool = False
