"""A copy of everything elearn holds about one person, for them to download.

Their profile, enrollments, progress records, activity, badges, support tickets with every
reply, the messages in their inbox and those they sent, their notification choices, their
sign-ins, the email written to them and their deletion requests. Nothing of anyone else's
beyond a name: a message shows its sender's name, a ticket reply its author's, never an
email address or id of another person; a message they sent shows how many received it,
not who.

One statement per section (a dozen in all), whatever the history's length.
"""
from collections import defaultdict

from sqlalchemy import select

from ..achievements.service import list_achievements
from ..auth.models import SignIn, User
from ..catalog.models import Course, Module
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..extensions import db
from ..mail.models import OutboxEmail
from ..messages.models import Message
from ..messages.service import InboxItem, inbox_items
from ..notifications.preferences import preferences_of
from ..progress.models import Progress, ProgressEvent
from ..tickets.models import SupportTicket, TicketReply
from .models import DeletionRequest


def _rows(stmt) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(stmt)]


def _enrollments(user_id: int) -> list[dict]:
    return _rows(select(Enrollment.id, Enrollment.course_id, Course.title.label("course_title"),
                        Enrollment.enrolled_at, Enrollment.price_paid_cents,
                        Enrollment.completed_count.label("completed_modules"), Enrollment.completed_at,
                        Enrollment.last_activity_at)
                 .join(Course, Course.id == Enrollment.course_id)
                 .where(Enrollment.user_id == user_id).order_by(Enrollment.id))


def _progress(user_id: int) -> list[dict]:
    return _rows(select(Progress.id, Progress.enrollment_id, Enrollment.course_id, Progress.module_id,
                        Module.title.label("module_title"), Progress.completed, Progress.started_at,
                        Progress.completed_at, Progress.updated_at, Progress.active_seconds)
                 .join(Enrollment, Enrollment.id == Progress.enrollment_id)
                 .join(Module, Module.id == Progress.module_id)
                 .where(Enrollment.user_id == user_id).order_by(Progress.id))


def _activity(user_id: int) -> list[dict]:
    return _rows(select(ProgressEvent.id, ProgressEvent.course_id, ProgressEvent.enrollment_id,
                        ProgressEvent.module_id, ProgressEvent.kind, ProgressEvent.occurred_at)
                 .where(ProgressEvent.user_id == user_id).order_by(ProgressEvent.id))


def _tickets(user_id: int) -> list[dict]:
    """Their tickets, each with its whole thread (their replies and the admins')."""
    tickets = _rows(select(SupportTicket.id, SupportTicket.subject, SupportTicket.body, SupportTicket.status,
                           SupportTicket.created_at, SupportTicket.closed_at)
                    .where(SupportTicket.user_id == user_id).order_by(SupportTicket.id))
    replies = defaultdict(list)
    for reply in db.session.execute(
            select(TicketReply.id, TicketReply.ticket_id, TicketReply.author_id, User.name, TicketReply.body,
                   TicketReply.created_at)
            .join(User, User.id == TicketReply.author_id)
            .join(SupportTicket, SupportTicket.id == TicketReply.ticket_id)
            .where(SupportTicket.user_id == user_id).order_by(TicketReply.created_at, TicketReply.id)):
        replies[reply.ticket_id].append({"id": reply.id, "author_name": reply.name, "mine": reply.author_id == user_id,
                                         "body": reply.body, "created_at": reply.created_at})
    return [{**ticket, "replies": replies[ticket["id"]]} for ticket in tickets]


def _inbox(user_id: int) -> list[InboxItem]:
    """As the inbox shows it; the export's schema leaves out the senders' ids."""
    return [InboxItem(*row) for row in db.session.execute(inbox_items(user_id).order_by(Message.id))]


def _sent(user_id: int) -> list[dict]:
    return _rows(select(Message.id, Message.subject, Message.body, Message.course_id, Message.reply_to_id,
                        Message.recipient_count, Message.created_at)
                 .where(Message.sender_id == user_id).order_by(Message.id))


def your_data(user: User) -> dict:
    """Everything held about ``user`` (see the module docstring), ready for ``YourDataOut``."""
    user_id = user.id
    return {
        "generated_at": utcnow(),
        "profile": {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                    "timezone": user.timezone, "created_at": user.created_at},
        "enrollments": _enrollments(user_id),
        "progress": _progress(user_id),
        "activity": _activity(user_id),
        "badges": list_achievements(user_id),
        "tickets": _tickets(user_id),
        "inbox": _inbox(user_id),
        "sent_messages": _sent(user_id),
        "notification_preferences": preferences_of(user_id),
        "sign_ins": _rows(select(SignIn.id, SignIn.kind, SignIn.created_at, SignIn.revoked_at)
                          .where(SignIn.user_id == user_id).order_by(SignIn.id)),
        "emails": _rows(select(OutboxEmail.kind, OutboxEmail.subject, OutboxEmail.body, OutboxEmail.status,
                               OutboxEmail.created_at, OutboxEmail.sent_at)
                        .where(OutboxEmail.user_id == user_id).order_by(OutboxEmail.id)),
        "deletion_requests": _rows(select(DeletionRequest.id, DeletionRequest.status, DeletionRequest.requested_at,
                                          DeletionRequest.decided_at)
                                   .where(DeletionRequest.user_id == user_id).order_by(DeletionRequest.id)),
    }
