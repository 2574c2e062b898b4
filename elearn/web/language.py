"""``POST /language``: the footer's language switcher.

Users have no language column, so the choice is a cookie (``elearn/i18n.py`` prefers it to
the browser's ``Accept-Language``). A form with the CSRF token, not a link: it changes
state, and works without JavaScript.
"""
from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext

from ..errors import Invalid
from ..i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_SECONDS, LANGUAGES
from .access import safe_next

bp = Blueprint("language", __name__)


@bp.post("/language")
def choose_language():
    language = request.form.get("lang", "")
    if language not in LANGUAGES:
        raise Invalid(gettext("Choose one of the languages offered."), details={"lang": ", ".join(LANGUAGES)})
    response = redirect(safe_next(request.form.get("next")) or url_for("dashboard.home"), code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS, secure=request.is_secure,
                        httponly=True, samesite="Lax")
    return response
