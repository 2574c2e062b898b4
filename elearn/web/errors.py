"""Every error's three renderings: JSON under /api, a fragment to htmx, else a full page.

Services raise domain errors (``elearn/errors.py``); they are mapped here, once. Werkzeug's
HTTP errors (unknown route, wrong method, body too large, CSRF failure) go through the same
renderers, so a client never sees Flask's default HTML inside the JSON API.
"""
from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import DomainError
from ..extensions import db
from .htmx import is_htmx

# Codes for HTTP errors raised outside our services.
_HTTP_CODES = {
    400: "malformed",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}

#: Our own words for the HTTP errors raised outside our services (Werkzeug's are English only).
_HTTP_MESSAGES = {
    400: lazy_gettext("The request could not be understood."),
    401: lazy_gettext("Sign in first."),
    403: lazy_gettext("You do not have access to this."),
    404: lazy_gettext("There is nothing at this address. Check it, or start again from the home page."),
    405: lazy_gettext("This address does not take that kind of request."),
    413: lazy_gettext("The request body is too large."),
    415: lazy_gettext("Send the request body as JSON."),
    429: lazy_gettext("Too many attempts. Wait a minute and try again."),
}


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def render_error(status: int, code: str, message: str, details: dict | None = None):
    """Answer in the client's language: JSON under /api, a fragment to htmx, else a page."""
    if wants_json():
        return json_error(status, code, message, details)
    template = "errors/_message.html" if is_htmx() else "errors/page.html"
    return render_template(template, status=status, message=message, details=details or {}), status


def register_error_handlers(app):
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        db.session.rollback()
        return render_error(error.status, error.code, error.message, error.details)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        db.session.rollback()
        return render_error(
            400, "csrf_failed",
            gettext("This form expired or did not come from elearn. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        message = str(_HTTP_MESSAGES.get(status, error.description or error.name))
        response = make_response(render_error(status, _HTTP_CODES.get(status, "error"), message))
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def _database_unavailable(error):
        """The database is down, restarting or locked: a 503 to retry, not a 500. The page
        touches nothing that needs the database (not even who is signed in)."""
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (the connection is already gone)
            pass
        current_app.logger.warning("database unavailable: %s", str(error).splitlines()[0])
        message = gettext("The database is not answering right now. Please try again in a few seconds.")
        if wants_json():
            response = json_error(503, "unavailable", message)
        else:
            # Straight from Jinja: Flask's context processors would ask who is signed in.
            page = current_app.jinja_env.get_template("errors/unavailable.html").render(message=message)
            response = make_response(page, 503)
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError):
        """A bug. Flask hands it here only when not testing or debugging (where the real
        error propagates, traceback and all); log the original exception, answer plainly."""
        db.session.rollback()
        original = error.original_exception or error
        current_app.logger.error("unhandled error", exc_info=(type(original), original, original.__traceback__))
        return render_error(500, "internal_error", gettext("Something went wrong on our side."))
