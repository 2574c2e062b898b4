"""What confirming a deletion request does to the person: they become anonymous.

- The account: the email becomes ``deleted-<id>@invalid`` (unique, and no mail can reach
  it), the name "Deleted user", the password hash one no password matches, the time zone
  UTC; it is disabled and every session and API token of it ends at once.
- Removed: their notification choices, their inbox (entries, and elearn's own notes to
  them), the email written to them (the outbox), and the text of their support tickets and
  of every reply in them (the tickets stay, open or closed, for the support figures).
- Kept, now anonymous: enrollments, progress records, activity and badges, so every course
  and platform figure stays exactly as it was; messages they sent stay in their
  recipients' inboxes, from "Deleted user"; courses they taught stay, and the audit log
  keeps what happened.

Everything is a handful of statements, however long the person's history.
"""
from flask_babel import force_locale, gettext
from sqlalchemy import delete, select, update

from ..auth import sign_ins
from ..auth.models import User
from ..events import publish_after_commit
from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE
from ..mail.models import OutboxEmail
from ..messages.models import InboxEntry, Message
from ..notifications.models import NotificationPreferences
from ..tickets.models import SupportTicket, TicketReply

#: Not a hash of anything: no password is ever accepted for it.
UNUSABLE_PASSWORD = "!erased"


def erased_email(user_id: int) -> str:
    """Unique per user, and under ``.invalid``, a domain that never exists (RFC 2606)."""
    return f"deleted-{user_id}@invalid"


def erase(user: User) -> None:
    """Anonymise ``user`` as the module docstring says, in the caller's transaction."""
    with force_locale(DEFAULT_LANGUAGE):  # stored text: the platform's language, not the admin's
        name, subject = gettext("Deleted user"), gettext("Removed")
        removed = gettext("Removed when its author's account was deleted.")
    user.email, user.name = erased_email(user.id), name
    user.password_hash, user.active, user.timezone = UNUSABLE_PASSWORD, False, "UTC"
    sign_ins.revoke_all(user.id, "deactivated")  # its pages say the account was disabled
    db.session.execute(delete(NotificationPreferences).where(NotificationPreferences.user_id == user.id))
    their_notes = select(InboxEntry.message_id).where(InboxEntry.user_id == user.id)
    db.session.execute(delete(Message).where(Message.notice.is_(True), Message.id.in_(their_notes))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(InboxEntry).where(InboxEntry.user_id == user.id))
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.user_id == user.id))
    their_tickets = select(SupportTicket.id).where(SupportTicket.user_id == user.id)
    db.session.execute(update(TicketReply).where(TicketReply.ticket_id.in_(their_tickets)).values(body=removed)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(SupportTicket).where(SupportTicket.user_id == user.id)
                       .values(subject=subject, body=removed).execution_options(synchronize_session=False))
    db.session.flush()
    publish_after_commit({"type": "user.erased", "userId": user.id})
