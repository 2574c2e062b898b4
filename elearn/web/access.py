"""The role check shared by HTML and JSON views, and the browser's login guard."""
import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..cache import Entry, read_ahead_for_user
from ..errors import Forbidden, Unauthorized
from .htmx import hx_redirect, is_htmx


def require_role(user, *roles: str) -> None:
    """Raise unless ``user`` is signed in and (when roles are named) has one of them."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Unauthorized(gettext("Sign in first."))
    if roles and user.role not in roles:
        raise Forbidden(gettext("You do not have access to this."))


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths may be redirected to after sign-in."""
    if not target or not target.isprintable() or "\\" in target:  # browsers read \ as /
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def login_required(*roles: str, read_ahead: Callable[..., list[Entry]] | None = None):
    """Guard an HTML view: anonymous visitors go to /login (by HX-Redirect under htmx),
    signed-in users without the role get a 403 page. ``read_ahead(user_id, **path_arguments)``:
    the cache entries the view will read, fetched with the sign-in check in one round trip."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if read_ahead is not None:
                read_ahead_for_user(functools.partial(read_ahead, **kwargs))
            if not current_user.is_authenticated:
                target = url_for("auth.login", next=request.full_path.rstrip("?"))
                return hx_redirect(target) if is_htmx() else redirect(target)
            require_role(current_user, *roles)
            return view(*args, **kwargs)

        return wrapper

    return decorator
