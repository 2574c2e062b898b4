"""Writing email to the outbox, and delivering it.

``queue_email`` writes the email in the caller's transaction (so it exists exactly when
what it tells of does) under a key naming what it is about; a second email with the same
key is not written. After the commit, the ``email.queued`` event queues ``deliver``, a
job that sends it through SMTP (``MAIL_URL``) or, without it, writes it to the log; the
outbox row then says ``sent`` or ``logged``. A retried ``deliver`` finds the row sent and
does nothing, so an email goes out once however often its job runs.

``MAIL_URL`` is ``smtp://user:password@host:port?tls=starttls|ssl|none`` (default
``starttls`` on port 587, ``ssl`` on 465, ``none`` elsewhere); ``MAIL_FROM`` the sender.
"""
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from hashlib import sha256
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import select, update

from ..db_types import utcnow
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from ..sql import upsert
from .models import LOGGED, QUEUED, SENT, OutboxEmail

log = logging.getLogger(__name__)

DEFAULT_FROM = "elearn <no-reply@localhost>"
SMTP_TIMEOUT_SECONDS = 30


def queue_email(*, key: str, to: str, subject: str, body: str, kind: str, user_id: int | None = None,
                course_id: int | None = None, unsubscribe_url: str | None = None) -> int | None:
    """Write an email to the outbox; its id, or None when one with ``key`` exists already."""
    stmt = (upsert(OutboxEmail).values(key=key, to_address=to, subject=subject[:300], body=body, kind=kind,
                                       user_id=user_id, course_id=course_id, unsubscribe_url=unsubscribe_url,
                                       status=QUEUED, attempts=0, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["key"]).returning(OutboxEmail.id))
    email_id = db.session.scalar(stmt)
    if email_id is not None:
        publish_after_commit({"type": "email.queued", "emailId": email_id})
    return email_id


def deliver(event: dict) -> None:
    """Job: send one outbox email (``email.queued``), unless it went out already."""
    email = db.session.get(OutboxEmail, event["emailId"])
    if email is None or email.status != QUEUED:
        return
    url = current_app.config.get("MAIL_URL")
    message = compose(email)
    db.session.execute(update(OutboxEmail).where(OutboxEmail.id == email.id)
                       .values(attempts=OutboxEmail.attempts + 1))
    db.session.commit()  # the attempt is counted even if sending raises
    if not url:
        log.info("email (no MAIL_URL, not sent) to %s: %s\n%s", email.to_address, email.subject, email.body)
        status = LOGGED
    else:
        try:
            send(url, message)
        except Exception as error:
            db.session.execute(update(OutboxEmail).where(OutboxEmail.id == email.id)
                               .values(last_error=f"{type(error).__name__}: {error}"[:2000]))
            db.session.commit()
            raise
        status = SENT
    db.session.execute(update(OutboxEmail).where(OutboxEmail.id == email.id)
                       .values(status=status, sent_at=utcnow(), last_error=None))


def compose(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM") or DEFAULT_FROM
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    # The same email always has the same Message-ID: a receiver drops a duplicate.
    message["Message-ID"] = f"<{sha256(email.key.encode()).hexdigest()[:32]}@elearn>"
    if email.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body)
    return message


def send(url: str, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server of ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"MAIL_URL must start with smtp://, not {parts.scheme}://")
    tls = parse_qs(parts.query).get("tls", [None])[0] or (
        "ssl" if parts.scheme == "smtps" or parts.port == 465 else "starttls" if parts.port == 587 else "none")
    host, port = parts.hostname or "localhost", parts.port or (465 if tls == "ssl" else 587 if tls == "starttls" else 25)
    context = ssl.create_default_context()
    if tls == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with server:
        if tls == "starttls":
            server.starttls(context=context)
        if parts.username:
            server.login(unquote(parts.username), unquote(parts.password or ""))
        server.send_message(message)


def outbox(page: int = 1, per_page: int = 50, status: str | None = None) -> Page:
    """The outbox, newest first (admins)."""
    stmt = select(OutboxEmail).order_by(OutboxEmail.id.desc())
    if status:
        stmt = stmt.where(OutboxEmail.status == status)
    return paginate(stmt, page, per_page)
