"""Static files as a CDN would want them: versioned addresses, cached for a year, compressed.

WhiteNoise serves ``static/`` in front of the app (no Flask request for a file):

- **Versioned addresses.** ``static_url(name)`` gives ``/static/v/<digest>/<name>``, where
  the digest is of every static file's bytes: a deploy that changes any of them changes
  every address, and a browser or CDN never serves a stale file. Those addresses are
  ``Cache-Control: public, max-age=31536000, immutable``: a repeat visit asks for nothing.
  The plain ``/static/<name>`` still works, cached for a few minutes only.
- **Compressed ahead of time.** ``make static`` writes a ``.gz`` and a ``.br`` beside each
  compressible file (committed, like the translations; a test fails when one is behind);
  WhiteNoise sends the smallest the browser accepts.
- **From a CDN.** With ``STATIC_URL_BASE`` (``https://cdn.example.com``) the addresses start
  with it; the CDN fetches from this app's ``/static/v/...`` and keeps what it gets.
"""
import hashlib
from pathlib import Path

from flask import Flask, current_app
from whitenoise import WhiteNoise

#: How long a browser keeps a file fetched by its plain (unversioned) address.
PLAIN_MAX_AGE = 300
#: A versioned address's file never changes: a year, the longest caches honour.
VERSIONED_CACHE_CONTROL = "public, max-age=31536000, immutable"
_COMPRESSED = (".gz", ".br")


def _digest(root: Path) -> str:
    """Twelve hex digits naming the bytes of every file under ``root`` (not the compressed copies)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in _COMPRESSED):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def static_url(filename: str) -> str:
    """The versioned address of a static file (on the CDN when ``STATIC_URL_BASE`` is set)."""
    base = current_app.config.get("STATIC_URL_BASE") or ""
    return f"{base}/static/v/{current_app.extensions['elearn.static_digest']}/{filename}"


def asset_url(url: str | None, default: str) -> str:
    """An image address as stored (an upload, an https address, or one of ``static/``,
    like the demo's thumbnails), the static ones versioned; ``default`` (a static file) if none."""
    if not url:
        return static_url(default)
    return static_url(url[len("/static/"):]) if url.startswith("/static/") else url


def init_static_files(app: Flask) -> None:
    root = Path(app.static_folder)
    digest = _digest(root)
    app.extensions["elearn.static_digest"] = digest
    versioned = f"/static/v/{digest}/"

    def headers(headers, path: str, url: str) -> None:
        headers["X-Content-Type-Options"] = "nosniff"
        if url.startswith(versioned):
            headers["Cache-Control"] = VERSIONED_CACHE_CONTROL

    served = WhiteNoise(app.wsgi_app, max_age=PLAIN_MAX_AGE, add_headers_function=headers)
    served.add_files(str(root), prefix=versioned)
    served.add_files(str(root), prefix="/static/")
    app.wsgi_app = served
    app.jinja_env.globals.update(static_url=static_url, asset_url=asset_url)
