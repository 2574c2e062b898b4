"""HTML rendered once and shared from the cache by every reader it is the same for.

The cache may live in Redis, and whoever can write to Redis must be able to change a
figure at most, never put markup into someone's page: each fragment is stored signed with
the app's key, and one whose signature fails (forged, or signed with a key since replaced)
is logged, rendered afresh and stored over.
"""
import logging
from collections.abc import Callable

from flask import current_app
from itsdangerous import BadSignature, Signer
from markupsafe import Markup

from ..cache import DEFAULT_TTL, Entry, cached, peek

log = logging.getLogger(__name__)


def shared_html(entry: Entry, render: Callable[[], dict[str, str]], ttl: int = DEFAULT_TTL) -> dict[str, Markup]:
    """``render()`` (fragments by name), cached under ``entry`` (``html_entry``) like any
    figure (``cache.cached``). The signature names the key too: a fragment copied under
    another key (another reader's page, another course) does not verify."""
    signer = _signer(entry.key)

    def sealed() -> dict[str, str]:
        return {name: signer.sign(html).decode() for name, html in render().items()}

    verified: list[dict[str, Markup]] = []  # (a value found is checked once, and served as checked)

    def usable(found: dict[str, str]) -> bool:
        opened = _opened(entry.key, found)
        verified.extend([opened] if opened is not None else [])
        return opened is not None

    # A value whose signature does not match (logged) is rendered afresh and stored over,
    # so that readers do not each render it again until it expires.
    value = cached(entry, sealed, ttl=ttl, usable=usable)
    return verified[0] if verified else _opened(entry.key, value)


def html_entry(depends_on: tuple[str, ...], key: str) -> Entry:
    """Where ``shared_html`` keeps ``key``: to fetch it ahead (``cache.read_ahead``)."""
    return Entry(tuple(depends_on), key, dict[str, str])


def kept_html(entry: Entry) -> dict[str, Markup] | None:
    """What ``shared_html`` keeps under ``entry`` while it is current, else None (nothing is
    rendered): for a page that has more than one place it may be kept, and renders it into
    one of them when it is in none (so a miss stays fetched for that ``shared_html``)."""
    found = peek(entry, computed_next=True)
    return None if found is None else _opened(entry.key, found)


def _opened(key: str, sealed: dict[str, str]) -> dict[str, Markup] | None:
    """The fragments kept under ``key``, or None (logged) if a signature does not match."""
    signer = _signer(key)
    try:
        return {name: Markup(signer.unsign(value).decode()) for name, value in sealed.items()}
    except BadSignature:
        log.warning("a shared fragment's signature did not match; not used: %s", key)
        return None


def _signer(key: str) -> Signer:
    return Signer(current_app.secret_key, salt=f"elearn.shared-html:{key}")
