"""Sending statements to a Learning Record Store (``XAPI_LRS_URL``), through the outbox.

- **Never lost.** While ``XAPI_LRS_URL`` is set, every progress change and badge queues an
  ``XapiOutbox`` row in its own transaction (progress and achievements write them), so a
  committed change always has its statement waiting, whatever the process does next.
- **In order.** ``forward`` (a job, every ``XAPI_FORWARD_EVERY`` seconds, and at once after a
  replay or "send now") reads the backlog in id order, ``XAPI_BATCH_SIZE`` rows at a time
  with their rows locked (a second forwarder waits for the first rather than overtaking it),
  and POSTs each batch as one JSON array. A batch that fails stops the run: nothing after it
  goes before it, so each learner's statements arrive in the order they happened.
- **Retried with backoff.** A batch the LRS could not take (no answer, 5xx, 401, 429...)
  waits ``XAPI_RETRY_DELAYS`` (30 s, 1 min, 5 min, 15 min, then every hour) and is tried
  again, for as long as it takes: the LRS coming back drains the backlog.
- **Never duplicated.** A statement's id comes from its row (``statements.py``), so a resend
  (a retry after a lost answer, or a replay) is the same statement and the LRS keeps one.
- **Refusals are isolated.** A batch answered 400, 409, 413 or 422 is sent again one row at a
  time; the rows the LRS refuses on their own (400, 422) are marked failed with its answer
  (the admin page lists them; a replay sends them again), and the rest go on. A row
  answered 409 on its own is already held by the LRS under its id (an earlier version,
  from before a course was renamed, say): it counts as sent, its answer kept.

Sent rows are kept ``XAPI_KEEP_SENT_DAYS`` days (7), for the admin page's last success.
"""
import base64
import http.client
import json
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func, literal, select, union_all, update

from ..achievements.models import Achievement
from ..audit import service as audit
from ..auth.models import User
from ..db_types import utcnow
from ..errors import Conflict
from ..events import publish_after_commit
from ..extensions import db
from ..pagination import Page, paginate
from ..progress.models import ProgressEvent, XapiOutbox, forwarding_statements
from ..web.outgoing import post
from . import queries
from .statements import EVENT, XAPI_VERSION, statement

TIMEOUT_SECONDS = 10
MAX_BATCHES_PER_RUN = 50
ERROR_CHARS = 300
_WAITING = (XapiOutbox.sent_at.is_(None), XapiOutbox.failed_at.is_(None))


class _Answer:
    def __init__(self, status: int | None, text: str):
        self.status, self.text = status, text

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def refused(self) -> bool:
        """The LRS will not take these statements together: send them one at a time."""
        return self.status in (400, 409, 413, 422)

    @property
    def held(self) -> bool:
        """409 for one statement: the LRS holds a statement with its id already (sent before,
        its course renamed since, say). The id is what an LRS keeps, so it counts as sent."""
        return self.status == 409

    def describe(self) -> str:
        text = (f"{self.status} {self.text}" if self.status else self.text).replace("\x00", "")
        return text.strip()[:ERROR_CHARS]


def _lrs_address() -> tuple[str, str | None]:
    """``XAPI_LRS_URL`` without any ``user:password@`` in it, and that ``user:password``
    (which ``XAPI_LRS_AUTH`` is the place for, but an address is often written so)."""
    parts = urlsplit(current_app.config["XAPI_LRS_URL"])
    if parts.username is None and parts.password is None:
        return parts.geturl(), None
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=host).geturl(), f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"


def _post(statements: list[dict]) -> _Answer:
    """POST ``statements`` to the LRS's statements resource."""
    address, credentials = _lrs_address()
    url = address.rstrip("/") + "/statements"
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION,
               "User-Agent": "elearn-xapi"}
    auth = current_app.config.get("XAPI_LRS_AUTH") or credentials
    if auth:
        scheme, _, _ = auth.partition(" ")
        headers["Authorization"] = (auth if scheme in ("Basic", "Bearer")
                                    else "Basic " + base64.b64encode(auth.encode()).decode())
    body = json.dumps(statements, separators=(",", ":")).encode()
    try:
        return _Answer(*post(url, body, headers, timeout=TIMEOUT_SECONDS, read_chars=ERROR_CHARS))
    except (OSError, http.client.HTTPException) as error:
        return _Answer(None, f"{type(error).__name__}: {error}")


def _statements(rows: list[XapiOutbox]) -> dict[int, list[dict]]:
    """Each outbox row's statements (none when what it names was deleted since)."""
    events = [row.source_id for row in rows if row.source == "event"]
    badges = [row.source_id for row in rows if row.source == "badge"]
    made: dict[tuple[str, int], list[dict]] = {}
    for source in queries.sources(db.session.execute(queries.queued_rows(events, badges))):
        kind = "event" if source.part == EVENT else "badge"
        made.setdefault((kind, source.source_id), []).append((source.part, statement(source)))
    return {row.id: [s for _part, s in sorted(made.get((row.source, row.source_id), []), key=lambda p: p[0])]
            for row in rows}


def _delay(attempts: int) -> timedelta:
    delays = current_app.config["XAPI_RETRY_DELAYS"]
    return timedelta(seconds=delays[min(attempts, len(delays)) - 1])


def _postpone(rows: list[XapiOutbox], answer: _Answer, now: datetime) -> None:
    for row in rows:
        row.attempts += 1
        row.next_attempt_at, row.last_error = now + _delay(row.attempts), answer.describe()


def _send_each(rows: list[XapiOutbox], made: dict[int, list[dict]], now: datetime) -> bool:
    """Send a refused batch row by row; False when the LRS stopped answering part way."""
    for index, row in enumerate(rows):
        answer = _post(made[row.id])
        if answer.ok:
            row.attempts, row.sent_at, row.last_error = row.attempts + 1, now, None
        elif answer.held:
            row.attempts, row.sent_at, row.last_error = row.attempts + 1, now, answer.describe()
        elif answer.refused:
            row.attempts, row.failed_at, row.last_error = row.attempts + 1, now, answer.describe()
        else:
            _postpone(rows[index:], answer, now)
            return False
    return True


def forward(event: dict | None = None) -> int:
    """Job (periodic, and on ``xapi.backlog``): send the backlog in order, until it is empty
    or the LRS fails; the rows sent."""
    if not forwarding_statements():
        return 0
    batch_size, sent = current_app.config["XAPI_BATCH_SIZE"], 0
    for _ in range(MAX_BATCHES_PER_RUN):
        rows = db.session.scalars(select(XapiOutbox).where(*_WAITING).order_by(XapiOutbox.id)
                                  .limit(batch_size).with_for_update()).all()
        now = utcnow()
        if not rows or (rows[0].next_attempt_at is not None and rows[0].next_attempt_at > now):
            db.session.rollback()
            break
        made = _statements(rows)
        gone = [row for row in rows if not made[row.id]]
        for row in gone:  # its record was deleted: nothing left to say
            db.session.delete(row)
        rows = [row for row in rows if made[row.id]]
        answer = _post([s for row in rows for s in made[row.id]]) if rows else _Answer(204, "")
        if answer.ok:
            for row in rows:
                row.attempts, row.sent_at, row.last_error = row.attempts + 1, now, None
            sent += len(rows)
        elif answer.refused:
            if not _send_each(rows, made, now):
                db.session.commit()
                break
            sent += sum(1 for row in rows if row.sent_at is not None)
        else:
            _postpone(rows, answer, now)
            db.session.commit()
            break
        db.session.commit()
    else:
        publish_after_commit({"type": "xapi.backlog"})  # more to send: another run goes on at once
        db.session.commit()
    return sent


def purge_sent() -> None:
    """Job: forget sent rows after ``XAPI_KEEP_SENT_DAYS``."""
    cutoff = utcnow() - timedelta(days=current_app.config["XAPI_KEEP_SENT_DAYS"])
    db.session.execute(delete(XapiOutbox).where(XapiOutbox.sent_at < cutoff))


# --- the admin's controls ---------------------------------------------------------------------

def _require_lrs() -> None:
    if not forwarding_statements():
        raise Conflict(gettext("No LRS is set up: set XAPI_LRS_URL to forward statements."))


def replay(actor, since: datetime, until: datetime) -> int:
    """Queue again every statement of ``[since, until)``, oldest first; how many rows."""
    _require_lrs()
    events = (select(literal("event").label("source"), ProgressEvent.id.label("source_id"), ProgressEvent.user_id,
                     ProgressEvent.occurred_at.label("at"))
              .where(ProgressEvent.module_id.is_not(None), ProgressEvent.occurred_at >= since,
                     ProgressEvent.occurred_at < until))
    badges = (select(literal("badge"), Achievement.id, Achievement.user_id, Achievement.earned_at)
              .where(Achievement.earned_at >= since, Achievement.earned_at < until))
    listed = union_all(events, badges).subquery("listed")
    now = utcnow()
    result = db.session.execute(
        XapiOutbox.__table__.insert().from_select(
            ["source", "source_id", "user_id", "queued_at"],
            select(listed.c.source, listed.c.source_id, listed.c.user_id, literal(now, XapiOutbox.queued_at.type))
            .order_by(listed.c.at, listed.c.source.desc(), listed.c.source_id)))
    queued = result.rowcount
    audit.record("xapi.replayed", actor_id=actor.id,
                 details={"since": since.isoformat(), "until": until.isoformat(), "queued": queued})
    publish_after_commit({"type": "xapi.backlog", "queued": queued})
    return queued


def send_now() -> None:
    """Try the waiting statements at once, without waiting out their backoff."""
    _require_lrs()
    db.session.execute(update(XapiOutbox).where(*_WAITING, XapiOutbox.next_attempt_at.is_not(None))
                       .values(next_attempt_at=None))
    publish_after_commit({"type": "xapi.backlog"})


def status() -> dict:
    """The forwarding at a glance: backlog, failures, last success, next try."""
    waiting = db.session.execute(
        select(func.count(), func.count(XapiOutbox.next_attempt_at), func.min(XapiOutbox.next_attempt_at))
        .where(*_WAITING)).one()
    head_error = db.session.scalar(select(XapiOutbox.last_error).where(*_WAITING, XapiOutbox.last_error.is_not(None))
                                   .order_by(XapiOutbox.id).limit(1))
    next_attempt = waiting[2] if waiting[2] is not None and waiting[2] > utcnow() else None  # else: due now
    return {"enabled": forwarding_statements(), "lrs_url": _lrs_address()[0] if forwarding_statements() else None,
            "waiting": waiting[0], "retrying": waiting[1], "next_attempt_at": next_attempt,
            "failed": db.session.scalar(select(func.count()).select_from(XapiOutbox)
                                        .where(XapiOutbox.failed_at.is_not(None))),
            "last_success_at": db.session.scalar(select(func.max(XapiOutbox.sent_at))),
            "last_error": head_error}


def refused(page: int = 1, per_page: int = 50) -> Page:
    """The statements the LRS refused for good, newest first (each with its learner's email)."""
    outbox = XapiOutbox
    stmt = (select(outbox.id, outbox.source, outbox.source_id, outbox.user_id, outbox.queued_at, outbox.attempts,
                   outbox.next_attempt_at, outbox.last_error, outbox.failed_at, User.email)
            .join(User, User.id == outbox.user_id)
            .where(outbox.failed_at.is_not(None)).order_by(outbox.failed_at.desc(), outbox.id.desc()))
    return paginate(stmt, page, per_page, scalars=False,
                    count=select(func.count()).select_from(outbox).where(outbox.failed_at.is_not(None)))
