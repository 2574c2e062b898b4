"""File downloads streamed as they are produced (the CSV and NDJSON exports of pages and API
alike), and the CSV cells spreadsheets cannot be tricked by."""
import csv
import io
from collections.abc import Callable, Iterable

from flask import Response, stream_with_context

#: Spreadsheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """The cell as text, with a leading quote if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_line_writer() -> Callable[[Iterable], str]:
    """A function turning one row into its CSV line, every cell ``spreadsheet_safe``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Iterable) -> str:
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    return line


def streamed_attachment(lines: Iterable[str], filename: str, mimetype: str) -> Response:
    """``lines`` streamed as an attachment: nothing is held in memory, and the request
    context stays open while the rows are read."""
    return Response(stream_with_context(lines), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_attachment(lines: Iterable[str], filename: str) -> Response:
    return streamed_attachment(lines, filename, "text/csv")
