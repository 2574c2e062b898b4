"""Reading statements: who sees which, and the LRS query subset.

Admins read every statement, instructors those of their courses (and their modules and
badges), learners their own. Filters that name nothing of this site (an unknown verb,
activity or agent) match nothing, as in an LRS; malformed ones are a 422. Pages follow
each other by keyset: ``more`` carries where the last one stopped.
"""
import base64
import json
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from ..auth.models import User
from ..auth.service import normalise_email
from ..catalog.models import Course
from ..errors import Invalid
from ..read_replica import reads
from ..schemas import MAX_ID, id_in
from . import queries
from .schemas import MAX_LIMIT, StatementQuery
from .statements import BADGE, COURSE_COMPLETION, EVENT, VERBS, XAPI_VERSION, parse_activity, site, statement


def _problem(field: str, message: str) -> Invalid:
    return Invalid(message, details={field: message})


def _agent_user(raw: str) -> int | None:
    """The user id the agent JSON names; None when it names no user of this site."""
    try:
        agent = json.loads(raw)
    except ValueError:
        agent = None
    if not isinstance(agent, dict):
        raise _problem("agent", gettext("Give the agent as a JSON object with an account or an mbox."))
    account, mbox = agent.get("account"), agent.get("mbox")
    if isinstance(account, dict) and isinstance(account.get("name"), str):
        name = account["name"]
        return id_in(name) if account.get("homePage") == site() else None
    if isinstance(mbox, str) and mbox.startswith("mailto:"):
        return reads().scalar(select(User.id).where(User.email == normalise_email(mbox[len("mailto:"):])))
    raise _problem("agent", gettext("Give the agent as a JSON object with an account or an mbox."))


def _cursor(row) -> str:
    raw = json.dumps([row.at.isoformat(), row.part, row.source_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> tuple:
    try:
        at, part, source_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(at)
        if (moment.tzinfo is None or not 1970 <= moment.year < 9999 or part not in (EVENT, COURSE_COMPLETION, BADGE)
                or not isinstance(source_id, int) or not 0 < source_id < MAX_ID):
            raise ValueError
        return moment, part, source_id
    except (ValueError, TypeError, OverflowError):
        raise _problem("cursor", gettext("This cursor is not one elearn gave.")) from None


def _filters(actor, query: StatementQuery) -> queries.Filters | None:
    """The reader's and the query's filters; None when they can match nothing."""
    filters = queries.Filters(since=query.since, until=query.until)
    if actor.role == "student":
        filters.user_id = actor.id
    elif actor.role == "instructor":
        filters.course_ids = select(Course.id).where(Course.instructor_id == actor.id)
    if query.agent is not None:
        named = _agent_user(query.agent)
        if named is None or (filters.user_id is not None and named != filters.user_id):
            return None
        filters.user_id = named
    if query.verb is not None:
        names = [name for name, iri in VERBS.items() if iri == query.verb]
        if not names:
            return None
        filters.verbs = tuple(names)
    if query.activity is not None:
        activity = parse_activity(query.activity)
        if activity is None:
            return None
        if activity.kind == "course":
            filters.course_id = activity.key
            if not query.related_activities:
                filters.parts = (COURSE_COMPLETION,)
        elif activity.kind == "module":
            filters.module_id, filters.parts = activity.key, (EVENT,)
        else:
            filters.badge_key, filters.parts = activity.key, (BADGE,)
    return filters


def list_statements(actor, query: StatementQuery) -> tuple[list[dict], str | None]:
    """One page of the statements ``actor`` may read that match, and the cursor of the
    next page (None after the last)."""
    after = _after(query.cursor) if query.cursor else None
    limit = query.limit or MAX_LIMIT
    filters = _filters(actor, query)
    stmt = queries.statement_rows(filters, ascending=query.ascending, limit=limit, after=after) if filters else None
    rows = reads().execute(stmt).all() if stmt is not None else []
    statements = []
    for source in queries.sources(rows):
        made = statement(source)
        made["stored"] = made["timestamp"]  # recorded as it happened
        made["version"] = XAPI_VERSION
        statements.append(made)
    return statements, _cursor(rows[-1]) if len(rows) == limit else None
