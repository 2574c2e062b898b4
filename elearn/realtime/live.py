"""Live page views: what a browser page listens to and how its regions are re-rendered.

A page opens ``/ws?view=<name>:<arg>``. The feature that owns the page hands ``create_app``
a factory under that name (``init_live``); the factory checks access (raising a domain
error) and returns a ``LiveView`` whose ``wants`` filters bus events and whose ``render``
returns the page's live regions as ``<hx-partial>`` elements, rendered from the same
partial templates as the page itself, so a pushed region is identical to a loaded one.

Toasts are short notices some events deserve on whatever page hears them (a badge just
earned): a feature maps its event type to a renderer, and the socket appends them.

``reload_user(session_id)`` is how a socket asks, when its user changed, whether its
session still stands (the sign-in feature answers: the user, or None once signed out).
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext

from ..errors import NotFound


@dataclass
class LiveView:
    """``wants`` filters the events that name the page's user or one of ``courses`` (or any
    event, with ``everything``); course edits reach every page (``hub.BROADCAST``)."""

    wants: Callable[[dict], bool]
    render: Callable[[], str]
    courses: frozenset[int] = frozenset()
    everything: bool = False


#: ``factory(user, arg: str | None) -> LiveView`` for ``?view=name[:arg]``.
LiveViewFactory = Callable[..., LiveView]
#: ``render(events) -> html`` for the events of one type in a pushed batch.
ToastRenderer = Callable[[list[dict]], str]


def init_live(app, *, views: dict[str, LiveViewFactory], toasts: dict[str, ToastRenderer],
              reload_user: Callable[[str], object | None]) -> None:
    app.extensions["elearn.live_views"] = dict(views)
    app.extensions["elearn.toasts"] = dict(toasts)
    app.extensions["elearn.reload_user"] = reload_user


def reload_user(session_id: str):
    """The user of this session if it still stands (not signed out, not disabled), else None."""
    return current_app.extensions["elearn.reload_user"](session_id)


def open_live_view(user, spec: str) -> LiveView:
    name, _, arg = (spec or "").partition(":")
    factory = current_app.extensions["elearn.live_views"].get(name)
    if factory is None:
        raise NotFound(gettext("No such live view."))
    return factory(user, arg or None)


def toasts(batch: list[dict]) -> str:
    """The toasts a batch of events calls for, in the order their types first appear."""
    renderers = current_app.extensions["elearn.toasts"]
    html = []
    for kind in dict.fromkeys(message.get("type") for message in batch):
        if kind in renderers:
            html.append(renderers[kind]([m for m in batch if m.get("type") == kind]))
    return "".join(html)
