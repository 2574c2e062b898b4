"""Security headers on every response.

- ``Content-Security-Policy``: scripts only from this site, never inline or evaluated (htmx
  4 evaluates code only for ``hx-on`` attributes, event filters and ``js:`` values, none
  of which the templates use; its ``hx-ws`` extension needs nothing more). Styles from
  this site plus inline style attributes (bar widths, heat-map shades). Course images and
  videos may come from any https host. No framing, no plugins, forms post here only.
- ``X-Content-Type-Options``, ``Referrer-Policy``, ``Cross-Origin-Opener-Policy``, and
  ``Strict-Transport-Security`` in production (served over https).
- ``Cache-Control: no-store`` on what a signed-in user sees (pages and API answers), so a
  shared computer's back button or a proxy never shows it to the next person.
"""
from flask import request, session

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "media-src 'self' https:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def init_security_headers(app) -> None:
    production = app.config.get("ELEARN_ENV") == "production"

    @app.after_request
    def _secure(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Who is signed in is read from the session, not the database (which may be down).
        private = request.authorization is not None or (
            not request.path.startswith("/static/") and "_user_id" in session)
        if private and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response
