"""Requests elearn sends to other servers (webhooks, an LRS): one POST, no redirects followed.

A caller that checked where a name leads (``webhooks.addresses``) passes the addresses it
checked: the connection goes to those, not to whatever the name answers a moment later,
so a name that resolves to a public address for the check and to an inside one for the
connection (DNS rebinding) reaches nothing inside. TLS still verifies the certificate
for the name. The whole exchange, not only each read, ends within ``timeout``: a server
that answers a byte at a time cannot hold the job for hours.
"""
import http.client
import socket
import threading
from urllib.parse import urlsplit


def post(url: str, body: bytes, headers: dict, *, timeout: float, read_chars: int,
         addresses: list[str] | None = None) -> tuple[int, str]:
    """POST ``body`` to ``url``: the answer's status and the start of its text. Raises
    ``OSError`` or ``http.client.HTTPException`` when there is no answer in ``timeout``
    seconds. ``addresses``: the IP addresses to connect to, in order, instead of resolving
    the URL's host again."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    if addresses is not None:
        connection._create_connection = lambda target, *args: _connect(addresses, target[1], *args)
    # At the deadline the socket is shut, which ends whatever read is waiting on it.
    watchdog = threading.Timer(timeout, _shut, [connection])
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                           body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(read_chars * 4).decode("utf-8", "replace")[:read_chars]
    finally:
        watchdog.cancel()
        connection.close()


def _connect(addresses: list[str], port: int, timeout, source_address=None) -> socket.socket:
    """A connection to the first of ``addresses`` that answers (as ``socket.create_connection``
    tries each address a name resolves to)."""
    error: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout, source_address)
        except OSError as refused:
            error = refused
    raise error


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # (closed meanwhile)
