"""What a statement says: verbs, activity IRIs, actors and ids, and the statement itself.

Statements are made, never stored: each comes from a row that is (an activity-log row,
``progress_events``, or a badge, ``achievements``), so the same row always makes the same
statement, with the same id. Ids are UUIDs (version 5) of the row under a namespace of
this site's address (``BASE_URL``): a resend is the same statement, and two elearn sites
writing to one LRS never collide.

| what happened | verb | object | result |
|---|---|---|---|
| a module started | ``initialized`` | the module | |
| a module completed | ``completed`` | the module | ``completion: true`` |
| a module reopened | ``progressed`` | the module | ``completion: false`` |
| a course completed (its badge) | ``completed`` | the course | ``completion: true``, ``score.scaled: 1`` |
| a badge earned | ``earned`` | the badge | |

A module's statements have the course as parent in their context; a course badge's too.
The actor is the learner's account on this site (``homePage`` = ``BASE_URL``, ``name`` =
the user id) or, with ``XAPI_ACTOR=mbox``, their email address.
"""
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from ..schemas import id_in

XAPI_VERSION = "1.0.3"

#: Verb short names, as the API's filter and the rows name them, and their IRIs.
VERBS = {
    "initialized": "http://adlnet.gov/expapi/verbs/initialized",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "progressed": "http://adlnet.gov/expapi/verbs/progressed",
    "earned": "http://id.tincanapi.com/verb/earned",
}
#: Activity-log kinds and their verbs.
KIND_VERBS = {"started": "initialized", "completed": "completed", "reopened": "progressed"}

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "badge": "http://id.tincanapi.com/activitytype/badge",
}

#: Parts of a source row: one statement each (a course badge makes two).
EVENT, COURSE_COMPLETION, BADGE = 0, 1, 2
_ID_NAMES = {EVENT: "event", COURSE_COMPLETION: "course-completion", BADGE: "badge"}


def site() -> str:
    return current_app.config["BASE_URL"]


def activities_base() -> str:
    return f"{site()}/xapi/activities"


def activity_iri(kind: str, key: int | str) -> str:
    """The stable IRI of a course, module (by id) or badge (by key) of this site."""
    return f"{activities_base()}/{kind}/{key}"


@dataclass(frozen=True)
class Activity:
    kind: str  # "course", "module" or "badge"
    key: int | str


def parse_activity(iri: str) -> Activity | None:
    """The activity an IRI of this site names; None for any other IRI."""
    prefix = activities_base() + "/"
    if not iri.startswith(prefix):
        return None
    kind, _, key = iri[len(prefix):].partition("/")
    if kind in ("course", "module") and (number := id_in(key)) is not None:
        return Activity(kind, number)
    if kind == "badge" and key and "/" not in key:
        return Activity(kind, key)
    return None


def statement_id(part: int, source_id: int) -> str:
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, site())
    return str(uuid.uuid5(namespace, f"{_ID_NAMES[part]}:{source_id}"))


def agent(user_id: int, email: str) -> dict:
    if current_app.config.get("XAPI_ACTOR") == "mbox":
        return {"objectType": "Agent", "mbox": f"mailto:{email}"}
    return {"objectType": "Agent", "account": {"homePage": site(), "name": str(user_id)}}


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC to the microsecond (as stored: a statement's time given back as
    ``since`` leaves it out), written the same way every time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _activity(kind: str, key: int | str, name: str) -> dict:
    return {"objectType": "Activity", "id": activity_iri(kind, key),
            "definition": {"type": ACTIVITY_TYPES[kind], "name": {"und": name}}}


@dataclass(frozen=True)
class Source:
    """One statement's makings: a row of ``queries.statement_rows``."""

    part: int
    source_id: int
    occurred_at: datetime
    user_id: int
    email: str
    verb: str
    course_id: int | None
    course_title: str | None
    module_id: int | None = None
    module_title: str | None = None
    badge_key: str | None = None
    badge_title: str | None = None


def statement(source: Source) -> dict:
    """The xAPI statement of ``source``: the same dict for the same row, every time."""
    made = {"id": statement_id(source.part, source.source_id), "actor": agent(source.user_id, source.email),
            "verb": {"id": VERBS[source.verb], "display": {"en-US": source.verb}}}
    course = (_activity("course", source.course_id, source.course_title or "")
              if source.course_id is not None else None)
    if source.part == EVENT:
        made["object"] = _activity("module", source.module_id, source.module_title or "")
        if source.verb != "initialized":
            made["result"] = {"completion": source.verb == "completed"}
    elif source.part == COURSE_COMPLETION:
        made["object"] = course
        made["result"] = {"completion": True, "score": {"scaled": 1.0}}
    else:
        made["object"] = _activity("badge", source.badge_key, source.badge_title or "")
    context = {"platform": "elearn"}
    if course is not None and source.part != COURSE_COMPLETION:
        context["contextActivities"] = {"parent": [course]}
    made["context"] = context
    made["timestamp"] = timestamp(source.occurred_at)
    return made
