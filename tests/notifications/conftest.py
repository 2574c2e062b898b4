"""A real SMTP server (aiosmtpd) for the email tests, and the app pointed at it."""
import email
import socket
import time
from email.policy import default

import pytest
from aiosmtpd.controller import Controller


class MailServer:
    """What arrived, by address; ``refuse`` answers that many DATA commands with 451 first."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = 0
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd names the hook)
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 60) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    server = MailServer()
    controller = Controller(server, hostname="127.0.0.1", port=_free_port())
    controller.start()
    server.url = f"smtp://127.0.0.1:{controller.port}?tls=none"
    yield server
    controller.stop()


@pytest.fixture
def mailing(app, smtp, monkeypatch):
    """The app sending through the test SMTP server."""
    monkeypatch.setitem(app.config, "MAIL_URL", smtp.url)
    yield smtp
    assert app.extensions["elearn.jobs"].wait_idle(60)  # before the server stops


@pytest.fixture
def settle(app):
    """Wait for the background jobs (delivery of email) to finish."""
    def wait():
        assert app.extensions["elearn.jobs"].wait_idle(60), "background jobs still running after 60 s"
    return wait
