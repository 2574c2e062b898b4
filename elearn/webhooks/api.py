"""JSON webhooks, for admins: register endpoints, read their delivery logs."""
from flask import url_for
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from . import service
from .schemas import DeliveryOut, DeliveryQuery, WebhookIn, WebhookOut

api = JsonApi("webhooks", __name__)
ADMIN = ("admin",)


@api.operation("/webhooks", "POST", body=WebhookIn, response=WebhookOut, status=201, roles=ADMIN, errors=(422,))
def register(body: WebhookIn):
    """Send the chosen events to ``url``, signed with ``secret`` (see the headers below).
    Addresses inside private networks are refused unless ``WEBHOOK_ALLOW_PRIVATE`` is set."""
    endpoint = service.register(current_user, url=body.url, secret=body.secret, events=list(body.events))
    return endpoint, {"Location": url_for("webhooks_api.deliveries", webhook_id=endpoint.id)}


@api.operation("/webhooks", query=DeliveryQuery, response=WebhookOut, paginated=True, roles=ADMIN)
def list_webhooks(query: DeliveryQuery):
    """The registered endpoints (secrets are not shown)."""
    return service.endpoints(query.page, query.per_page)


@api.operation("/webhooks/<int:webhook_id>", "DELETE", status=204, roles=ADMIN, errors=(404,))
def delete(webhook_id: int):
    service.delete(webhook_id)


@api.operation("/webhooks/<int:webhook_id>/resume", "POST", response=WebhookOut, roles=ADMIN, errors=(404,))
def resume(webhook_id: int):
    """Deliver to a paused endpoint again."""
    return service.resume(webhook_id)


@api.operation("/webhooks/<int:webhook_id>/deliveries", query=DeliveryQuery, response=DeliveryOut, paginated=True,
               roles=ADMIN, errors=(404,))
def deliveries(webhook_id: int, query: DeliveryQuery):
    """The endpoint's delivery log, newest first: status, attempts, answer and latency."""
    return service.deliveries(webhook_id, query.page, query.per_page)
