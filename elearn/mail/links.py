"""Addresses of pages, for email: built from ``BASE_URL``, since a job has no request."""
from urllib.parse import urlsplit

from flask import current_app

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def absolute_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config.get("BASE_URL") or DEFAULT_BASE_URL)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
