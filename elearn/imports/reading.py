"""Reading an import file: CSV rows with their line numbers, the columns checked.

The file is UTF-8 (a byte-order mark is skipped), comma-separated, with a header naming
its columns in any order: ``email`` and ``course`` always; ``module`` and
``completed_at`` for completions; ``name`` for accounts created by the import. A course
or module is named by its id or its exact title.
"""
import csv
import io
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext

from ..errors import Invalid

REQUIRED = ("email", "course")
OPTIONAL = ("module", "completed_at", "name")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Line:
    number: int  # in the file, the header being line 1
    email: str
    course: str
    module: str
    completed_at: str
    name: str


def _refuse(message: str) -> Invalid:
    return Invalid(message, details={"file": message})


def read_lines(raw: bytes) -> list[Line]:
    """The file's data rows; a file elearn cannot read at all is a 422 naming why."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(gettext("The file is not UTF-8 text. Save it as CSV UTF-8 and upload it again.")) from None
    if "\x00" in text:
        raise _refuse(gettext("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower().replace(" ", "_") for cell in next(reader, [])]
    except csv.Error as error:
        raise _refuse(gettext("The file is not valid CSV: %(problem)s", problem=str(error))) from None
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise _refuse(gettext("The first line must name the columns; missing: %(columns)s. Columns: email, course, "
                              "and for completions module and completed_at.", columns=", ".join(missing)))
    unknown = [column for column in header if column and column not in REQUIRED + OPTIONAL]
    if unknown:
        raise _refuse(gettext("Unknown columns: %(columns)s.", columns=", ".join(unknown)))
    repeated = sorted(column for column, times in Counter(header).items() if column and times > 1)
    if repeated:
        raise _refuse(gettext("Columns named twice: %(columns)s.", columns=", ".join(repeated)))
    where = {column: header.index(column) for column in REQUIRED + OPTIONAL if column in header}
    lines = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(lines) >= MAX_ROWS:
                raise _refuse(gettext("At most %(count)s rows per file; split it.", count=MAX_ROWS))
            value = {column: (cells[index].strip() if index < len(cells) else "") for column, index in where.items()}
            lines.append(Line(reader.line_num, value["email"], value["course"], value.get("module", ""),
                              value.get("completed_at", ""), value.get("name", "")))
    except csv.Error as error:
        raise _refuse(gettext("Line %(line)s is not valid CSV: %(problem)s", line=reader.line_num,
                              problem=str(error))) from None
    if not lines:
        raise _refuse(gettext("The file has no rows under its header."))
    return lines
