"""Each user's notification choices, and the signed links that turn one off without signing in.

Kinds (each a column of ``NotificationPreferences``, on unless turned off):

- ``messages``: an email copy of what instructors and admins write (the inbox always has it);
- ``inactivity``: one reminder, in the inbox and by email, when a course has been left alone;
- ``streaks``: an evening reminder when a streak of days would end at midnight;
- ``achievements``: a note of each badge earned, in the inbox and by email;
- ``digests``: an instructor's weekly email per course they teach.

An unsubscribe link carries the user and the kind, signed with the app's secret: whoever
holds the email may turn that kind off, and nobody can make a link for someone else.
"""
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext, lazy_gettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func

from ..auth.models import User
from ..errors import Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..mail.links import absolute_url
from ..sql import upsert
from .models import NotificationPreferences

KINDS = {
    "messages": lazy_gettext("Email me a copy of messages from instructors and admins"),
    "inactivity": lazy_gettext("Remind me when I have left a course alone for a while"),
    "streaks": lazy_gettext("Remind me in the evening when my streak would end at midnight"),
    "achievements": lazy_gettext("Tell me about badges I earn"),
    "digests": lazy_gettext("Send me a weekly digest of each course I teach"),
}
#: Each kind as a thing one receives (the unsubscribe page: "... will no longer receive ...").
KIND_NAMES = {
    "messages": lazy_gettext("email copies of messages"),
    "inactivity": lazy_gettext("reminders about courses left alone"),
    "streaks": lazy_gettext("evening streak reminders"),
    "achievements": lazy_gettext("notes of badges earned"),
    "digests": lazy_gettext("weekly course digests"),
}
#: Kinds that concern only instructors and admins.
STAFF_KINDS = {"digests"}
_SALT = "elearn-unsubscribe"


@dataclass
class Preferences:
    messages: bool = True
    inactivity: bool = True
    streaks: bool = True
    achievements: bool = True
    digests: bool = True
    language: str = DEFAULT_LANGUAGE


def preferences_of(user_id: int) -> Preferences:
    row = db.session.get(NotificationPreferences, user_id)
    if row is None:
        return Preferences()
    return Preferences(**{kind: getattr(row, kind) for kind in KINDS}, language=row.language)


def update_preferences(user, **changes) -> Preferences:
    """Save ``user``'s choices (any of the kinds, ``language``); the rest stay as they were."""
    unknown = set(changes) - set(KINDS) - {"language"}
    if unknown:
        raise Invalid(gettext("Unknown notification settings: %(names)s", names=", ".join(sorted(unknown))))
    if "language" in changes and changes["language"] not in LANGUAGES:
        problem = gettext("Choose one of: %(languages)s.", languages=", ".join(LANGUAGES))
        raise Invalid(problem, details={"language": problem})
    values = {**preferences_of(user.id).__dict__, **changes}
    db.session.execute(upsert(NotificationPreferences).values(user_id=user.id, **values)
                       .on_conflict_do_update(index_elements=["user_id"], set_=changes or values))
    publish_after_commit({"type": "notifications.preferences", "userId": user.id})
    return Preferences(**values)


def allowing(kind: str):
    """A condition on ``User`` rows: those who did not turn ``kind`` off (the query
    outer-joins ``preferences_join``)."""
    return func.coalesce(getattr(NotificationPreferences, kind), True).is_(True)


def preferences_join(query):
    """``query`` (selecting from ``User``) with each user's preferences joined, if any."""
    return query.outerjoin(NotificationPreferences, NotificationPreferences.user_id == User.id)


def language_column():
    return func.coalesce(NotificationPreferences.language, DEFAULT_LANGUAGE).label("language")


def unsubscribe_token(user_id: int, kind: str) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).dumps([user_id, kind])


def unsubscribe_url(user_id: int, kind: str) -> str:
    return absolute_url("notifications.unsubscribe", token=unsubscribe_token(user_id, kind))


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The user and kind a link names; 404 for a forged, damaged or stale link."""
    try:
        user_id, kind = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        user_id = kind = None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not isinstance(kind, str) or kind not in KINDS:
        raise NotFound(gettext("This unsubscribe link is not valid. Sign in to choose what you receive."))
    return user, kind


def unsubscribe(token: str) -> tuple[User, str]:
    user, kind = read_unsubscribe_token(token)
    update_preferences(user, **{kind: False})
    return user, kind

