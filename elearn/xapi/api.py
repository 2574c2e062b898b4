"""JSON xAPI: the statements (an LRS's query subset), and the admin's forwarding controls."""
from flask import request, url_for
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from . import forwarding, service
from .schemas import (
    ForwardingOut,
    RefusedQuery,
    RefusedStatementOut,
    ReplayIn,
    ReplayOut,
    StatementQuery,
    StatementsOut,
)
from .statements import XAPI_VERSION

api = JsonApi("xapi", __name__)
ADMIN = ("admin",)


@api.operation("/xapi/statements", query=StatementQuery, response=StatementsOut, errors=(422,))
def statements(query: StatementQuery):
    """Progress as xAPI 1.0.3 statements, newest first: admins read all, instructors their
    courses', learners their own. ``more`` is the address of the next answer ("" at the end)."""
    found, cursor = service.list_statements(current_user, query)
    more = ""
    if cursor is not None:
        args = {key: value for key, value in request.args.items() if key != "cursor"}
        more = url_for("xapi_api.statements", **args, cursor=cursor)
    return {"statements": found, "more": more}, {"X-Experience-API-Version": XAPI_VERSION}


@api.operation("/admin/xapi", response=ForwardingOut, roles=ADMIN)
def forwarding_status():
    """The forwarding to the LRS: statements waiting, retrying and refused, the last success."""
    return forwarding.status()


@api.operation("/admin/xapi/refused", query=RefusedQuery, response=RefusedStatementOut, paginated=True, roles=ADMIN)
def refused(query: RefusedQuery):
    """The queued statements the LRS refused for good, with its answer."""
    return forwarding.refused(query.page, query.per_page)


@api.operation("/admin/xapi/replay", "POST", body=ReplayIn, response=ReplayOut, roles=ADMIN, errors=(409, 422))
def replay(body: ReplayIn):
    """Send every statement of ``[since, until)`` again, with the same ids (the LRS keeps one
    of each); 409 when no LRS is set up."""
    return {"queued": forwarding.replay(current_user, body.since, body.until)}


@api.operation("/admin/xapi/send-now", "POST", response=ForwardingOut, roles=ADMIN, errors=(409,))
def send_now():
    """Try the waiting statements at once, without waiting out their backoff."""
    forwarding.send_now()
    return forwarding.status()
