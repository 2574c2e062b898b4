"""The notification settings page, and the page an email's unsubscribe link opens.

The unsubscribe link works without signing in: its signed token names the user and the
kind, and is the proof that the visitor holds that user's email. Its POST is exempt from
the CSRF check for that reason (another site cannot forge a token it never saw), which
also lets mail programs unsubscribe in one click (``List-Unsubscribe-Post``).
"""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import csrf
from ..web.access import login_required
from ..web.inputs import parse_form
from . import preferences
from .schemas import PreferencesIn

bp = Blueprint("notifications", __name__)


def _kinds_for(user) -> dict:
    return {kind: label for kind, label in preferences.KINDS.items()
            if kind not in preferences.STAFF_KINDS or user.role in ("instructor", "admin")}


@bp.get("/account/notifications")
@login_required()
def preferences_page():
    return render_template("notifications/preferences.html", kinds=_kinds_for(current_user),
                           chosen=preferences.preferences_of(current_user.id), errors={},
                           saved=request.args.get("saved") == "1")


@bp.post("/account/notifications")
@login_required()
def save_preferences():
    kinds = _kinds_for(current_user)
    data, errors = parse_form(PreferencesIn, **{kind: kind in request.form for kind in kinds})
    if errors:
        return render_template("notifications/preferences.html", kinds=kinds, errors=errors, saved=False,
                               chosen=preferences.preferences_of(current_user.id)), 422
    preferences.update_preferences(current_user, **data.model_dump(exclude_none=True))
    return redirect(url_for("notifications.preferences_page", saved=1), 303)


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    user, kind = preferences.read_unsubscribe_token(token)
    return render_template("notifications/unsubscribe.html", token=token, email=user.email,
                           label=preferences.KIND_NAMES[kind], done=False,
                           on=getattr(preferences.preferences_of(user.id), kind))


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    user, kind = preferences.unsubscribe(token)
    return render_template("notifications/unsubscribe.html", token=token, email=user.email,
                           label=preferences.KIND_NAMES[kind], done=True, on=False)

