"""JSON notification preferences of the signed-in user."""
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from . import preferences
from .schemas import PreferencesIn, PreferencesOut

api = JsonApi("notifications", __name__)


@api.operation("/notifications/preferences", response=PreferencesOut)
def get_preferences():
    """Which notifications you receive (each kind on unless you turned it off), and the
    language of your email."""
    return preferences.preferences_of(current_user.id)


@api.operation("/notifications/preferences", "PATCH", body=PreferencesIn, response=PreferencesOut)
def update_preferences(body: PreferencesIn):
    """Turn kinds of notification on or off, or change the language of your email."""
    return preferences.update_preferences(current_user, **body.model_dump(exclude_none=True))
