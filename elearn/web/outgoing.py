"""Requests elearn sends to other servers (webhooks, an LRS): one POST, no redirects followed."""
import http.client
from urllib.parse import urlsplit


def post(url: str, body: bytes, headers: dict, *, timeout: float, read_chars: int) -> tuple[int, str]:
    """POST ``body`` to ``url``: the answer's status and the start of its text. Raises
    ``OSError`` or ``http.client.HTTPException`` when there is no answer."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                           body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(read_chars * 4).decode("utf-8", "replace")[:read_chars]
    finally:
        connection.close()
