"""File downloads streamed as they are produced (the CSV exports of pages and API alike)."""
from collections.abc import Iterable

from flask import Response, stream_with_context


def csv_attachment(lines: Iterable[str], filename: str) -> Response:
    """``lines`` streamed as a CSV attachment: nothing is held in memory, and the request
    context stays open while the rows are read."""
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
