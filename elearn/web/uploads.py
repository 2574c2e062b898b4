"""Larger request bodies for the routes that take files, and only for them.

``MAX_CONTENT_LENGTH`` (2 MB) bounds every other request. A route that takes a file names
its own limit with ``@accepts_upload("<config key>")``; the limit is set on the request
before anything reads its body, CSRF checks included (a URL-value preprocessor runs before
every ``before_request`` function), so a file over it is a 413 and nothing is read past it.
"""
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_babel import gettext

from ..errors import Invalid

_LIMITS: dict[Callable, str | Callable] = {}


def accepts_upload(config_key: str | Callable):
    """Let the decorated view's requests be as large as ``app.config[config_key]`` bytes (or
    ``config_key(app.config)``, for a limit that follows other settings)."""
    def decorator(view):
        _LIMITS[view] = config_key
        return view
    return decorator


def _set_limit(endpoint, values) -> None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    while view is not None and view not in _LIMITS:  # through the decorators (functools.wraps)
        view = getattr(view, "__wrapped__", None)
    if view is not None:
        limit = _LIMITS[view]
        request.max_content_length = limit(current_app.config) if callable(limit) else current_app.config[limit]


def largest_upload(config) -> int:
    """Bytes of the largest file any kind may be (``UPLOAD_LIMITS``), and room for the form."""
    return (max(config["UPLOAD_LIMITS"].values()) + 1) * 1024 * 1024


def init_uploads(app: Flask) -> None:
    app.url_value_preprocessor(_set_limit)


def uploaded_file(field: str = "file") -> tuple[bytes, str]:
    """The bytes and name of the multipart field ``field``; 422 without one."""
    sent = request.files.get(field)
    if sent is None:
        message = gettext("Send the file as the multipart field “%(field)s”.", field=field)
        raise Invalid(message, details={field: message})
    try:
        return sent.read(), sent.filename or ""
    finally:
        sent.close()  # a large file was spooled to a temporary file
