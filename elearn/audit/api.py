"""JSON audit log, for admins."""
from ..web.json_api import JsonApi
from . import service
from .schemas import AuditOut, AuditQuery

api = JsonApi("audit", __name__)


@api.operation("/audit", query=AuditQuery, response=AuditOut, paginated=True, roles=("admin",))
def list_audit(query: AuditQuery):
    """Security events and admin actions, newest first; filter by ``action``, ``actorId``, ``since``."""
    return service.list_entries(query.action, query.actor_id, query.since, query.page, query.per_page)
