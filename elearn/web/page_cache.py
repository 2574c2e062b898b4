"""Whole pages kept for the one reader they were rendered for.

A page that costs far more to render than to look up (the course dashboard of a big
class: its figures, its student list, the header and forms around them) is kept per
reader, page and language until something it shows changes, for ``ttl`` at most. A
warm visit is then the sign-in check and this lookup, in one round trip.

Nothing is shared between people: the key names the reader, and who may see the page was
checked when it was rendered for them. What could change that, or anything else the page
shows, moves one of its generations: the caller names its own (the course's, say), and
every page also depends on the reader's account (name, role, time zone) and inbox (the
unread count in the header; a message to more than ``cache.MANY_RECIPIENTS`` people moves
one generation for every inbox instead). Only the page's plain address is kept (no query string), so
what one reader can fill the cache with stays bounded.

The CSRF token is not kept: it belongs to the browser's session, and another browser of
the same reader has another one. The page is stored split around it and joined again with
the asking session's token. It is stored signed, as every shared fragment is.
"""
import hashlib

from flask import current_app, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..cache import INBOXES_GENERATION, Entry, account_generation, inbox_generation, stores_held
from ..i18n import current_language
from .shared_html import kept_html, shared_html


def keeps_page() -> bool:
    """Whether this request's page may be kept: a full page (not htmx) at its plain,
    canonical address (``/teach/courses/0007`` is served, not kept)."""
    return (request.method == "GET" and not request.query_string and not request.headers.get("HX-Request")
            and request.path == url_for(request.endpoint, **(request.view_args or {})))


def page_entry(page: str, user_id: int, depends_on: tuple[str, ...]) -> Entry:
    """Where ``user_id``'s copy of ``page`` (in the request's language) is kept. The
    static files' digest is part of the key: a page kept before a deploy names the old
    release's files, which the new one no longer serves."""
    address = hashlib.blake2b(request.path.encode(), digest_size=12).hexdigest()
    release = current_app.extensions["elearn.static_digest"]
    return Entry((*depends_on, account_generation(user_id), inbox_generation(user_id), INBOXES_GENERATION),
                 f"page:{page}:{user_id}:{current_language()}:{release}:{address}", dict[str, str])


def cached_page(entry: Entry, render, ttl: int) -> Markup:
    """``render()`` (the page's HTML), kept under ``entry`` for ``ttl`` seconds at most."""
    token = generate_csrf()  # the one every form of this request's rendering carries

    def pieces() -> dict[str, str]:
        return {str(i): piece for i, piece in enumerate(str(render()).split(token))}

    with stores_held():  # (the page and every value computed for it: one round trip)
        return _joined(shared_html(entry, pieces, ttl=ttl), token)


def kept_page(entry: Entry) -> Markup | None:
    """The page kept under ``entry`` if it is current, else None (nothing is rendered)."""
    kept = kept_html(entry)
    return None if kept is None else _joined(kept, generate_csrf())


def _joined(pieces: dict[str, Markup], token: str) -> Markup:
    return Markup(token).join(pieces[str(i)] for i in range(len(pieces)))
