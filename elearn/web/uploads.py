"""Larger request bodies for the routes that take files, and only for them.

``MAX_CONTENT_LENGTH`` (2 MB) bounds every other request. A route that takes a file names
its own limit with ``@accepts_upload("<config key>")``; the limit is set on the request
before anything reads its body, CSRF checks included (a URL-value preprocessor runs before
every ``before_request`` function), so a file over it is a 413 and nothing is read past it.
"""
from collections.abc import Callable

from flask import Flask, current_app, request

_LIMITS: dict[Callable, str] = {}


def accepts_upload(config_key: str):
    """Let the decorated view's requests be as large as ``app.config[config_key]`` bytes."""
    def decorator(view):
        _LIMITS[view] = config_key
        return view
    return decorator


def _set_limit(endpoint, values) -> None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    while view is not None and view not in _LIMITS:  # through the decorators (functools.wraps)
        view = getattr(view, "__wrapped__", None)
    if view is not None:
        request.max_content_length = current_app.config[_LIMITS[view]]


def init_uploads(app: Flask) -> None:
    app.url_value_preprocessor(_set_limit)
