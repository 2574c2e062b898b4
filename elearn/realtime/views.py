"""WebSocket endpoints.

- ``/ws``: browsers, signed in by their session cookie; pushes HTML ``<hx-partial>``
  fragments for the page named by ``?view=``, which the htmx ``hx-ws`` extension swaps.
- ``/api/ws``: scripts, signed in by a JWT (``?token=`` or ``Authorization``); pushes one
  JSON event per change (CONTRACT.md "Real-time").

Each handler: check the user (and the Origin for cookies), release its database session,
register with the hub, send a snapshot (which also heals a reconnect), then loop on its
queue with a timeout so a closed socket is noticed; unregister in ``finally``.
"""
import json
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request
from flask_jwt_extended import decode_token
from flask_login import current_user
from simple_websocket import ConnectionClosed
from sqlalchemy import select

from ..auth.models import User
from ..catalog.models import Course
from ..errors import DomainError
from ..extensions import db, sock
from ..progress.service import overall_progress
from ..read_replica import release_sessions
from .live import open_live_view

bp = Blueprint("realtime", __name__)
WAIT_SECONDS = 5.0
POLICY_VIOLATION = 1008


def _same_origin() -> bool:
    """Refuse cross-site pages riding on the session cookie (cross-site WebSocket hijacking).

    Browsers always send ``Origin``; it must name this host (and port, when the Host
    header gives one).
    """
    origin = request.headers.get("Origin")
    if not origin:
        return True  # not a browser: no ambient cookies to abuse
    theirs, ours = urlsplit(origin), urlsplit(request.host_url)
    if theirs.hostname != ours.hostname:
        return False
    return ours.port is None or theirs.port == ours.port


def _announcements(batch) -> str:
    """Badges just earned, as toasts (the badge list itself is one of the pushed regions)."""
    earned = [m for m in batch if m.get("type") == "achievement.earned"]
    return render_template("achievements/_announce.html", earned=earned) if earned else ""


def _pump(ws, listener, send_batch) -> None:
    """Forward queued events until the socket closes."""
    while ws.connected:
        batch = listener.drain(WAIT_SECONDS)
        if batch:
            send_batch(batch)


@sock.route("/ws", bp=bp)
def browser_socket(ws):
    if not current_user.is_authenticated or not _same_origin():
        ws.close(POLICY_VIOLATION, "sign in first")
        return
    user = db.session.get(User, current_user.id)
    try:
        view = open_live_view(user, request.args.get("view", ""))
    except DomainError as error:
        ws.close(POLICY_VIOLATION, error.message)
        return
    hub = current_app.extensions["elearn.hub"]
    listener = hub.register(view.wants)
    release_sessions()
    try:
        def push(batch=()):
            try:
                html = view.render() + _announcements(batch)
            except DomainError as error:  # e.g. the course was deleted or access revoked
                ws.close(POLICY_VIOLATION, error.message)
                return
            finally:
                release_sessions()
            ws.send(html)

        push()
        _pump(ws, listener, push)
    except ConnectionClosed:
        pass
    finally:
        hub.unregister(listener)
        release_sessions()


def _token_user():
    token = request.args.get("token")
    header = request.headers.get("Authorization", "")
    if not token and header.startswith("Bearer "):
        token = header[len("Bearer "):]
    if not token:
        return None
    try:
        claims = decode_token(token)
    except Exception:  # noqa: BLE001  (any bad token is simply refused)
        return None
    user = db.session.get(User, int(claims["sub"]))
    return user if user is not None and user.active else None


def _json_filter(user):
    """Own events; instructors also their courses' events; admins every course's."""
    if user.role == "admin":
        return lambda m: m.get("type") == "progress.updated" or m.get("userId") == user.id
    taught = set()
    if user.role == "instructor":
        taught = set(db.session.scalars(select(Course.id).where(Course.instructor_id == user.id)))
    return lambda m: m.get("userId") == user.id or (
        m.get("type") == "progress.updated" and m.get("courseId") in taught)


@sock.route("/api/ws", bp=bp)
def api_socket(ws):
    user = _token_user()
    if user is None:
        ws.close(POLICY_VIOLATION, "a valid bearer token is required")
        return
    overall = overall_progress(user.id)
    hello = {"type": "hello", "userId": user.id, "overall": {
        "totalModules": overall.total_modules, "completedModules": overall.completed_modules,
        "percentage": overall.percentage}}
    hub = current_app.extensions["elearn.hub"]
    listener = hub.register(_json_filter(user))
    release_sessions()
    try:
        ws.send(json.dumps(hello))
        _pump(ws, listener, lambda batch: [ws.send(json.dumps(m)) for m in batch])
    except ConnectionClosed:
        pass
    finally:
        hub.unregister(listener)
        release_sessions()
