"""JSON progress: records, course and overall progress, bulk writes, batch reads, and the event socket."""
import json
from collections.abc import Callable
from typing import NamedTuple

from flask import current_app, request, url_for
from flask_jwt_extended import current_user
from simple_websocket import ConnectionClosed
from sqlalchemy import select

from ..auth.sign_ins import signed_in_user
from ..auth.tokens import user_of_access_token
from ..catalog.models import Course
from ..extensions import db, sock
from ..read_replica import release_sessions
from ..realtime.local_bus import RECONNECTED
from ..realtime.sockets import POLICY_VIOLATION, about_user, pump
from ..schemas import PageQuery
from ..web.json_api import JsonApi
from . import active_time, content_views, queries, writes
from .schemas import (
    BatchQuery,
    BulkIn,
    BulkOut,
    CourseProgressListOut,
    CourseProgressOut,
    HeartbeatIn,
    OverallOut,
    ProgressIn,
    ProgressOut,
    ProgressQuery,
    ProgressRecordOut,
    ProgressUpdateIn,
    ViewIn,
    ViewOut,
)

api = JsonApi("progress", __name__)


@api.operation("/progress", "POST", body=ProgressIn, response=ProgressOut, status=201, errors=(403, 404, 409, 422))
def start_module(body: ProgressIn):
    """Start a module (create its progress record); 409 if the record exists."""
    record = writes.start_module(current_user, body.enrollment_id, body.module_id, body.completed)
    return record, {"Location": url_for("progress_api.enrollment_records", enrollment_id=record.enrollment_id)}


@api.operation("/progress/heartbeat", "POST", body=HeartbeatIn, status=204, errors=(403, 404, 422))
def heartbeat(body: HeartbeatIn):
    """The learner is working on this module's page: adds the time since their previous
    heartbeat on it, at most 30 seconds, and nothing after a gap (an idle or hidden page)."""
    active_time.record_heartbeat(current_user, body.enrollment_id, body.module_id)


@api.operation("/contents/<int:content_id>/views", "POST", body=ViewIn, response=ViewOut, errors=(403, 404, 422))
def record_view(content_id: int, body: ViewIn):
    """The learner opened this content (and played these ranges of a video or audio): the
    module completes by itself when its completion rule is met. Ranges are merged with
    those reported before; seeking ahead plays nothing."""
    return content_views.record_view(current_user, content_id, body.enrollment_id, body.played_ranges, body.duration)


@api.operation("/progress/my-progress", query=PageQuery, response=ProgressOut, paginated=True)
def my_progress(query: PageQuery):
    """The caller's progress records, most recently changed first."""
    return queries.records_of_user(current_user, query.page, query.per_page)


@api.operation("/progress/enrollment/<int:enrollment_id>", response=ProgressRecordOut, many=True, errors=(404,))
def enrollment_records(enrollment_id: int):
    """One enrollment's progress records, in module order."""
    return queries.records_of_enrollment(current_user, enrollment_id)


@api.operation("/progress/course/<int:enrollment_id>", response=CourseProgressOut, errors=(404,),
               read_ahead=lambda user_id, enrollment_id: [queries.course_progress_entry(user_id, enrollment_id)])
def course_progress(enrollment_id: int):
    """Course progress of an enrollment, with every module of the course in order."""
    return queries.course_progress(current_user, enrollment_id)


@api.operation("/progress/courses", query=BatchQuery, response=CourseProgressListOut, errors=(404, 422))
def course_progresses(query: BatchQuery):
    """Several course progresses in one call: ``?ids=`` enrollment ids, comma-separated."""
    return {"items": queries.course_progresses(current_user, query.id_list())}


@api.operation("/progress/<int:progress_id>", "PATCH", body=ProgressUpdateIn, response=ProgressOut, errors=(403, 404))
def update_progress(progress_id: int, body: ProgressUpdateIn):
    """Complete or reopen a progress record (its owner only)."""
    return writes.update_progress(current_user, progress_id, body.completed)


@api.operation("/progress/mark-completed/<int:enrollment_id>/<int:module_id>", "POST", response=ProgressOut,
           errors=(403, 404, 422))
def mark_completed(enrollment_id: int, module_id: int):
    """Mark a module completed. Idempotent: repeating it changes nothing and never duplicates."""
    return writes.mark_module_completed(current_user, enrollment_id, module_id)


@api.operation("/progress/bulk", "POST", body=BulkIn, response=BulkOut, errors=(404, 422))
def bulk(body: BulkIn):
    """Apply up to 1,000 completions in one transaction, with a result per item."""
    results = writes.bulk_set_completed(
        current_user, [writes.BulkItem(i.enrollment_id, i.module_id, i.completed) for i in body.items])
    return {
        "results": results,
        "changed": sum(r.status == "changed" for r in results),
        "unchanged": sum(r.status == "unchanged" for r in results),
        "errors": sum(r.status == "error" for r in results),
    }


@api.operation("/progress/overall", response=OverallOut,
               read_ahead=lambda user_id: [queries.overall_progress_entry(user_id)])
def overall():
    """The caller's progress over all their courses (completed modules over all modules)."""
    return queries.overall_progress(current_user.id)


@api.operation("/progress", query=ProgressQuery, response=ProgressOut, paginated=True, roles=("admin",))
def all_progress(query: ProgressQuery):
    """Every progress record, filterable by user (``userId``, or ``q`` on email and name), course and
    completion (admin)."""
    return queries.list_records(current_user, user_id=query.user_id, q=query.q, course_id=query.course_id,
                                completed=query.completed, page=query.page, per_page=query.per_page)


# --- /api/ws: one JSON event per change, for scripts ---------------------------------------

def _socket_user():
    """The signed-in user of the bearer token in ``?token=`` (browsers cannot set headers on a
    WebSocket) or ``Authorization``; None when missing, invalid, revoked or disabled."""
    token = request.args.get("token")
    header = request.headers.get("Authorization", "")
    if not token and header.startswith("Bearer "):
        token = header[len("Bearer "):]
    return user_of_access_token(token) if token else None


class _Filter(NamedTuple):
    wants: Callable[[dict], bool]
    shown: Callable[[dict], dict]  # what of a wanted event is sent
    courses: set[int] | tuple  # the courses it follows
    everything: bool  # whether it follows every course


def _json_filter(user) -> _Filter:
    """Own events; instructors also their courses' events, without the learner's figures
    over all their courses (``overall``: other instructors' courses are in it); admins
    every course's, whole."""
    user_id = user.id
    if user.role == "admin":
        return _Filter(lambda m: m.get("type") == "progress.updated" or m.get("userId") == user_id,
                       lambda m: m, (), True)
    taught = set()
    if user.role == "instructor":
        taught = set(db.session.scalars(select(Course.id).where(Course.instructor_id == user_id)))
    return _Filter(lambda m: m.get("userId") == user_id or (
        m.get("type") == "progress.updated" and m.get("courseId") in taught),
        lambda m: m if m.get("userId") == user_id else {k: v for k, v in m.items() if k != "overall"}, taught, False)


#: The filter of a socket whose sign-in ended: it wants nothing more.
_SIGNED_OUT = _Filter(lambda m: False, lambda m: m, (), False)


@sock.route("/ws", bp=api)
def event_socket(ws):
    """Scripts' live events. A change to the caller (``user.updated``) re-checks their token's
    sign-in: revoked or disabled closes the socket; a new role re-filters what it hears."""
    user = _socket_user()
    if user is None:
        ws.close(POLICY_VIOLATION, "a valid bearer token is required")
        return
    user_id, sign_in_id = user.id, user.sign_in_id
    overall = queries.overall_progress(user.id)
    hello = {"type": "hello", "userId": user.id, "overall": {
        "totalModules": overall.total_modules, "completedModules": overall.completed_modules,
        "percentage": overall.percentage}}
    view = _json_filter(user)
    hub = current_app.extensions["elearn.hub"]
    # (The hub calls this from its own thread, at any time: ``view`` is replaced whole, never None.)
    listener = hub.register(lambda m: view.wants(m) or about_user(user_id, [m]), user_id=user_id,
                            courses=view.courses, everything=view.everything)
    release_sessions()

    def send(batch):
        nonlocal view
        if about_user(user_id, batch):
            current = signed_in_user(sign_in_id, user_id)
            view = _SIGNED_OUT if current is None else _json_filter(current)  # (the query yields to others)
            hub.reroute(listener, courses=view.courses, everything=view.everything)
            release_sessions()
        if view is _SIGNED_OUT:  # tell them why, nothing else, and hang up
            for message in batch:
                if about_user(user_id, [message]):
                    ws.send(json.dumps(message))
            ws.close(POLICY_VIOLATION, "signed out")
            return
        for message in batch:
            if view.wants(message) or message.get("type") == RECONNECTED:  # re-read what you show
                ws.send(json.dumps(view.shown(message)))

    try:
        ws.send(json.dumps(hello))
        pump(ws, listener, send)
    except ConnectionClosed:
        pass
    finally:
        hub.unregister(listener)
        release_sessions()
