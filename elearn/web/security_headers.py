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


def content_security_policy(static_origin: str | None = None) -> str:
    """The policy; scripts, styles and fonts may also come from the static files' CDN."""
    own = f"'self' {static_origin}" if static_origin else "'self'"
    return "; ".join((
        "default-src 'self'",
        f"script-src {own}",
        f"style-src {own} 'unsafe-inline'",
        "img-src 'self' data: https:",
        "media-src 'self' https:",
        "connect-src 'self'",
        f"font-src {own}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


CONTENT_SECURITY_POLICY = content_security_policy()


def init_security_headers(app) -> None:
    production = app.config.get("ELEARN_ENV") == "production"
    policy = content_security_policy(app.config.get("STATIC_URL_BASE"))

    @app.after_request
    def _secure(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
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
