"""Registering endpoints, and delivering events to them.

Each committed event of a type in ``WEBHOOK_EVENTS`` starts ``fan_out``, a job that writes
one delivery per endpoint subscribed to it (not paused) and queues ``deliver`` for each.
``deliver`` POSTs the event's JSON with ``X-Elearn-Timestamp`` and ``X-Elearn-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>``, so the
receiver can check who sent it and refuse an old one replayed. The event's id
(``X-Elearn-Event-Id``, ``id`` in the body) is the same in every retry.

A delivery answered with anything but a 2xx is retried (the job queue's delays); the last
attempt marks it failed. An endpoint whose failures have gone on for
``WEBHOOK_PAUSE_AFTER`` seconds (default a day) is paused, and the admin who registered it
is told in their inbox and by email; an admin resumes it.
"""
import hashlib
import hmac
import http.client
import json
import time
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from ..auth.models import User
from ..cache import WEBHOOKS_GENERATION, Entry, cached, peek
from ..db_types import utcnow
from ..errors import Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..mail.outbox import queue_email
from ..messages.service import notify
from ..pagination import Page, paginate
from ..sql import upsert
from ..web.outgoing import post
from .addresses import check_url, checked_addresses
from .models import DELIVERED, FAILED, PENDING, WebhookDelivery, WebhookEndpoint

#: The events an endpoint may ask for.
WEBHOOK_EVENTS = ("progress.updated", "achievement.earned", "enrollment.created", "course.created",
                  "course.updated", "course.deleted", "user.created", "user.updated", "import.applied")
DEFAULT_PAUSE_AFTER = 86_400
TIMEOUT_SECONDS = 10
SNIPPET_CHARS = 300


class DeliveryFailed(RuntimeError):
    """The endpoint did not take the delivery (the job retries it)."""


# --- endpoints (admins) -----------------------------------------------------------------------

def register(actor, *, url: str, secret: str, events: list[str]) -> WebhookEndpoint:
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown or not events:
        problem = gettext("Choose events among: %(events)s.", events=", ".join(WEBHOOK_EVENTS))
        raise Invalid(problem, details={"events": problem})
    endpoint = WebhookEndpoint(url=check_url(url.strip()), secret=secret, events=sorted(set(events)),
                               owner_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    publish_after_commit({"type": "webhook.registered", "webhookId": endpoint.id})
    return endpoint


def endpoints(page: int = 1, per_page: int = 50) -> Page:
    return paginate(select(WebhookEndpoint).order_by(WebhookEndpoint.id), page, per_page)


def endpoint(webhook_id: int) -> WebhookEndpoint:
    found = db.session.get(WebhookEndpoint, webhook_id)
    if found is None:
        raise NotFound(gettext("No such webhook."))
    return found


def delete(webhook_id: int) -> None:
    db.session.delete(endpoint(webhook_id))
    publish_after_commit({"type": "webhook.deleted", "webhookId": webhook_id})


def resume(webhook_id: int) -> WebhookEndpoint:
    """Deliver to a paused endpoint again (its failures start counting afresh), beginning
    with the deliveries that were waiting for a retry when it was paused."""
    found = endpoint(webhook_id)
    was_paused = found.paused_at is not None
    found.paused_at = found.failing_since = None
    publish_after_commit({"type": "webhook.resumed", "webhookId": webhook_id})
    if not was_paused:
        return found  # (its pending deliveries have their jobs: queued again, they would go out twice)
    waiting = db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == webhook_id, WebhookDelivery.status == PENDING).order_by(WebhookDelivery.id))
    for delivery_id in waiting:
        publish_after_commit({"type": "webhook.queued", "deliveryId": delivery_id})
    return found


def deliveries(webhook_id: int, page: int = 1, per_page: int = 50) -> Page:
    """The endpoint's delivery log, newest first."""
    endpoint(webhook_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == webhook_id).order_by(WebhookDelivery.id.desc())
    return paginate(stmt, page, per_page)


# --- jobs -------------------------------------------------------------------------------------

#: The event types some endpoint (paused or not) asked for, cached until one is
#: registered or deleted: most events of a platform (every completion) have no listener,
#: and need no job.
LISTENED_TYPES = Entry((WEBHOOKS_GENERATION,), "webhook-event-types", list[str])


def listened_types() -> set[str]:
    def compute() -> list[str]:
        return sorted({kind for kinds in db.session.scalars(select(WebhookEndpoint.events)) for kind in kinds})

    return set(cached(LISTENED_TYPES, compute, ttl=3600))


def may_be_listened_to(event: dict) -> bool:
    """Whether ``event`` needs a ``fan_out`` job. Runs as the writer's transaction commits
    (no SQL there): from the cache alone, and yes when the cache cannot say."""
    kinds = peek(LISTENED_TYPES)
    return kinds is None or event.get("type") in kinds


def fan_out(event: dict) -> None:
    """Job: one delivery of ``event`` per endpoint that asked for its type."""
    kind, event_id = event["type"], event["eventId"]
    if kind not in listened_types():
        return
    data = {key: value for key, value in event.items() if key not in ("type", "eventId")}
    body = json.dumps({"id": event_id, "type": kind, "occurredAt": utcnow().isoformat(), "data": data},
                      separators=(",", ":"))
    for found in db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.paused_at.is_(None))):
        if kind not in found.events:
            continue
        delivery_id = db.session.scalar(
            upsert(WebhookDelivery).values(endpoint_id=found.id, event_id=event_id, event_type=kind, body=body,
                                           status=PENDING, attempts=0, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"]).returning(WebhookDelivery.id))
        if delivery_id is not None:
            publish_after_commit({"type": "webhook.queued", "deliveryId": delivery_id})


def sign(secret: str, timestamp: int, body: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def deliver(event: dict) -> None:
    """Job: POST one delivery (``webhook.queued``), unless it is done or its endpoint paused
    (it then waits, pending, for ``resume``)."""
    delivery = db.session.get(WebhookDelivery, event["deliveryId"])
    if delivery is None or delivery.status != PENDING:
        return
    target = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if target is None or target.paused_at is not None:
        return
    started = time.perf_counter()
    try:
        status, snippet = _post(target, delivery)
    except (OSError, http.client.HTTPException, Invalid) as error:
        status, snippet = None, f"{type(error).__name__}: {error}"[:SNIPPET_CHARS]
    latency = round((time.perf_counter() - started) * 1000)
    now = utcnow()
    delivery.attempts += 1
    delivery.response_status, delivery.latency_ms, delivery.response_snippet = status, latency, snippet
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at = DELIVERED, now
        target.failing_since, target.last_success_at = None, now
        db.session.commit()
        return
    target.failing_since = target.failing_since or now
    pause_after = timedelta(seconds=current_app.config.get("WEBHOOK_PAUSE_AFTER", DEFAULT_PAUSE_AFTER))
    if now - target.failing_since >= pause_after:
        delivery.status = FAILED
        _pause(target, now)
        db.session.commit()
        return
    attempts_allowed = len(current_app.config.get("JOB_RETRY_DELAYS", ())) + 1
    if delivery.attempts >= attempts_allowed:
        delivery.status = FAILED
        db.session.commit()
        return
    db.session.commit()
    raise DeliveryFailed(f"webhook {target.id} answered {status or snippet}")


def _post(target: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int, str]:
    """POST the delivery; (status, the start of the answer). Never follows a redirect."""
    addresses = checked_addresses(target.url)  # again: the name may point elsewhere since it was registered
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "elearn-webhooks",
               "X-Elearn-Event": delivery.event_type, "X-Elearn-Event-Id": delivery.event_id,
               "X-Elearn-Delivery": str(delivery.id), "X-Elearn-Timestamp": str(timestamp),
               "X-Elearn-Signature": sign(target.secret, timestamp, delivery.body)}
    return post(target.url, delivery.body.encode(), headers, timeout=TIMEOUT_SECONDS, read_chars=SNIPPET_CHARS,
                addresses=addresses)


def _pause(target: WebhookEndpoint, now: datetime) -> None:
    """Stop delivering to an endpoint that has failed for too long, and tell its owner."""
    target.paused_at = now
    owner = db.session.get(User, target.owner_id) if target.owner_id else None
    if owner is None or not owner.active:
        return
    subject = gettext("Webhook paused: %(url)s", url=target.url)
    body = gettext("Deliveries to %(url)s have failed since %(since)s, so elearn stopped sending to it. Fix the "
                   "receiver, then resume the webhook on the Webhooks page.", url=target.url,
                   since=target.failing_since.strftime("%Y-%m-%d %H:%M UTC"))
    notify(owner.id, subject=subject, body=body)
    queue_email(key=f"webhook-paused:{target.id}:{now.isoformat()}", to=owner.email, subject=subject, body=body,
                kind="webhooks", user_id=owner.id)
