"""``/ws``: browsers' live pages, signed in by their session cookie.

Pushes HTML ``<hx-partial>`` fragments for the page named by ``?view=`` (see ``live.py``),
which the htmx ``hx-ws`` extension swaps. Scripts have their own JSON socket under
``/api`` (``progress/api.py``), built from the same pieces (``same_origin``, ``pump``).

Each handler: check the user (and the Origin for cookies), release its database session,
register with the hub, send a snapshot (which also heals a reconnect), then loop on its
queue with a timeout so a closed socket is noticed; unregister in ``finally``. A
``user.updated`` event for the socket's own user re-checks their session: a page whose
session ended (signed out, signed out everywhere, password changed, account disabled) is
told so and the socket closes; a changed role re-opens the view, which closes the socket
if the page is no longer theirs. Events reach every process, so this holds on every
worker and host.

Pushes are rendered in the page's language, chosen by the handshake request (its cookie and
``Accept-Language``) when the socket opens, and in the user's time zone, re-read whenever
their account changes.
"""
import time
from contextlib import nullcontext
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from simple_websocket import ConnectionClosed

from ..errors import DomainError
from ..extensions import sock
from ..i18n import localized
from ..read_replica import from_primary, release_sessions
from .live import open_live_view, reload_user, toasts

bp = Blueprint("realtime", __name__)
WAIT_SECONDS = 5.0
POLICY_VIOLATION = 1008


def same_origin() -> bool:
    """Refuse cross-site pages riding on the session cookie (cross-site WebSocket hijacking).

    Browsers always send ``Origin``; it must name this host (and port, when the Host
    header gives one).
    """
    origin = request.headers.get("Origin")
    if not origin:
        return True  # not a browser: no ambient cookies to abuse
    try:
        theirs, ours = urlsplit(origin), urlsplit(request.host_url)
        if theirs.hostname != ours.hostname:
            return False
        return ours.port is None or theirs.port == ours.port
    except ValueError:  # a port out of range or not a number: not ours
        return False


def pump(ws, listener, send_batch) -> None:
    """Forward queued events until the socket closes."""
    while ws.connected:
        batch = listener.drain(WAIT_SECONDS)
        if batch:
            send_batch(batch)


#: How long a signed-out page gets to take in its last push and close the socket itself.
HANG_UP_SECONDS = 5.0


def _let_the_page_hang_up(ws) -> None:
    """Wait for the page to close the socket after its last push (swapping it in removes the
    connection element): closing first from here could drop a push still being swapped."""
    deadline = time.monotonic() + HANG_UP_SECONDS
    try:
        while (left := deadline - time.monotonic()) > 0:
            ws.receive(timeout=left)
    except ConnectionClosed:
        pass


def about_user(user_id: int, batch) -> bool:
    return any(m.get("type") == "user.updated" and m.get("userId") == user_id for m in batch)


@sock.route("/ws", bp=bp)
def browser_socket(ws):
    if not current_user.is_authenticated or not same_origin():
        ws.close(POLICY_VIOLATION, "sign in first")
        return
    user_id, session_id = current_user.id, current_user.get_id()
    language, time_zone = get_locale(), current_user.timezone
    spec = request.args.get("view", "")
    try:
        view = open_live_view(current_user, spec)
    except DomainError as error:
        ws.close(POLICY_VIOLATION, error.message)
        return
    hub = current_app.extensions["elearn.hub"]
    listener = hub.register(lambda m: view.wants(m) or about_user(user_id, [m]), user_id=user_id,
                            courses=view.courses, everything=view.everything)
    release_sessions()
    try:
        def push(batch=()):
            nonlocal view, time_zone
            try:
                if about_user(user_id, batch):
                    user = reload_user(session_id)
                    if user is None:
                        reason = next((m["reason"] for m in batch if m.get("type") == "user.updated" and m.get("reason")),
                                      None)
                        with localized(language, time_zone):
                            ws.send(render_template("realtime/_signed_out.html", reason=reason))
                        _let_the_page_hang_up(ws)
                        ws.close(POLICY_VIOLATION, "signed out")
                        return
                    view, time_zone = open_live_view(user, spec), user.timezone
                    hub.reroute(listener, courses=view.courses, everything=view.everything)
                with localized(language, time_zone), (from_primary() if batch else nullcontext()):
                    # Mail changes only the header's inbox link (a toast): the page stays.
                    mail_only = batch and all(str(m.get("type", "")).startswith("message.") for m in batch)
                    html = ("" if mail_only else view.render()) + toasts(list(batch))
            except DomainError as error:  # e.g. the course was deleted or access revoked
                ws.close(POLICY_VIOLATION, error.message)
                return
            finally:
                release_sessions()
            ws.send(html)

        push()
        pump(ws, listener, push)
    except ConnectionClosed:
        pass
    finally:
        hub.unregister(listener)
        release_sessions()
