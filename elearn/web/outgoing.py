"""Requests elearn sends to other servers (webhooks, an LRS): one POST, no redirects followed.

A caller that checked where a name leads (``webhooks.addresses``) passes the addresses it
checked: the connection goes to those, not to whatever the name answers a moment later,
so a name that resolves to a public address for the check and to an inside one for the
connection (DNS rebinding) reaches nothing inside. TLS still verifies the certificate
for the name. The whole exchange, connecting included, ends within ``timeout``: a server
that answers a byte at a time cannot hold the job for hours.
"""
import http.client
import socket
import threading
import time
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
    exchange = _Exchange(connection, time.monotonic() + timeout)
    connection._create_connection = lambda target, _timeout, *args: exchange.connect(
        addresses or [target[0]], target[1], *args)
    watchdog = threading.Timer(timeout, exchange.end)
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


class _Exchange:
    """One request's connection and its deadline: at the deadline (``end``) its socket is
    shut, which ends whatever read or write waits on it; a connection still being made
    is given only the time left, and one made after the deadline is shut at once."""

    def __init__(self, connection: http.client.HTTPConnection, deadline: float):
        self.connection = connection
        self.deadline = deadline
        self.sock: socket.socket | None = None
        self.ended = False
        self._lock = threading.Lock()

    def connect(self, hosts: list[str], port: int, source_address=None) -> socket.socket:
        """A connection to the first of ``hosts`` that answers in the time left (as
        ``socket.create_connection`` tries each address a name resolves to)."""
        error: OSError = OSError("no address to connect to")
        for host in hosts:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no connection before the deadline")
            try:
                sock = socket.create_connection((host, port), left, source_address)
            except OSError as refused:
                error = refused
                continue
            with self._lock:
                self.sock = sock
                if self.ended:
                    _shut(sock)
            return sock
        raise error

    def end(self) -> None:
        with self._lock:
            self.ended = True
            # (Under TLS the connection's socket is the TLS one, which took over the plain one's.)
            sock = self.connection.sock or self.sock
            if sock is not None:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also under TLS: the TLS object stays, so the read that
    # waits fails as an OSError, not as a closed TLS object's error.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # (closed meanwhile)
