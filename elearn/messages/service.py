"""Writing to learners, replying, and reading an inbox.

Who writes to whom:

- an instructor to learners of a course they teach: chosen ones (``recipient_ids``), all
  of them, or those at risk (``audience`` "all" / "at_risk");
- an admin to anyone: chosen users, a course's learners as above, everyone, or everyone of
  a role (``audience`` "everyone" / "students" / "instructors" / "admins");
- anyone who received a message, back to its sender (a reply; it keeps the course).

A message is stored once and each recipient gets an inbox entry, written with one
INSERT ... SELECT whatever the audience's size. Each recipient's open pages hear of it
through one ``message.received`` event naming every recipient (``userIds``).
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, insert, literal, select, update

from ..analytics.access import course_for_analytics
from ..analytics.at_risk import at_risk_condition
from ..auth.models import User
from ..cache import CATALOG_GENERATION, INBOXES_GENERATION, Entry, cached, inbox_generation
from ..catalog.models import Course
from ..db_types import utcnow
from ..enrollments.models import Enrollment
from ..errors import Forbidden, Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db, limiter
from ..pagination import Page, paginate
from .models import InboxEntry, Message

#: Writing and replying, per address: enough for any teacher, a wall against a flood.
writing_limit = limiter.shared_limit("120 per hour", scope="messages", methods=["POST"])

PLATFORM_AUDIENCES = {"everyone": None, "students": "student", "instructors": "instructor", "admins": "admin"}
SUBJECT_MAX = 200
BODY_MAX = 20_000
#: Chosen recipients per message (larger audiences go by ``audience``).
MAX_CHOSEN = 1000


@dataclass
class InboxItem:
    message_id: int
    subject: str
    body: str
    sender_id: int | None
    sender_name: str | None
    course_id: int | None
    course_title: str | None
    reply_to_id: int | None
    notice: bool
    created_at: datetime
    read_at: datetime | None


@dataclass
class Inbox:
    page: Page  # of InboxItem
    unread: int


def _text(value: str, limit: int, field: str) -> str:
    """Trimmed text of a field ("subject" or "body"), or a 422 saying what to fix."""
    value = (value or "").strip()
    if not value:
        problem = gettext("Enter a subject.") if field == "subject" else gettext("Write the message.")
    elif len(value) > limit:
        problem = gettext("Use at most %(num)d characters.", num=limit)
    else:
        return value
    raise Invalid(problem, details={field: problem})


def _audience(actor, course_id: int | None, audience: str | None, recipient_ids: list[int] | None):
    """The recipients as a SELECT of user ids, checked against what ``actor`` may reach."""
    if course_id is not None:
        course = course_for_analytics(actor, course_id)  # its instructor or an admin
        active = select(User.id).where(User.active.is_(True))
        learners = select(Enrollment.user_id).where(Enrollment.course_id == course.id, Enrollment.user_id.in_(active))
        if recipient_ids:
            return learners.where(Enrollment.user_id.in_(recipient_ids)), course
        if audience == "at_risk":
            return select(Enrollment.user_id).where(at_risk_condition(course), Enrollment.user_id.in_(active)), course
        if audience == "all":
            return learners, course
        raise Invalid(gettext("Choose the learners, or all of them, or those at risk."))
    if actor.role != "admin":
        if recipient_ids or audience:
            raise Forbidden(gettext("Instructors write to the learners of a course they teach."))
        raise Invalid(gettext("Choose the course whose learners you write to."))
    if recipient_ids:
        return select(User.id).where(User.id.in_(recipient_ids), User.active.is_(True)), None
    if audience in PLATFORM_AUDIENCES:
        role = PLATFORM_AUDIENCES[audience]
        users = select(User.id).where(User.active.is_(True), User.id != actor.id)
        return (users if role is None else users.where(User.role == role)), None
    raise Invalid(gettext("Choose the recipients: chosen users, everyone, or a role."))


def send_message(actor, *, subject: str, body: str, course_id: int | None = None, audience: str | None = None,
                 recipient_ids: list[int] | None = None) -> Message:
    """A new message in the inboxes of the audience (see the module docstring); 422 when
    nobody is in it."""
    if actor.role not in ("instructor", "admin"):
        raise Forbidden(gettext("Only instructors and admins write messages; reply to one instead."))
    if recipient_ids and len(recipient_ids) > MAX_CHOSEN:
        raise Invalid(gettext("Choose at most %(num)d recipients, or write to a whole audience.", num=MAX_CHOSEN))
    users, course = _audience(actor, course_id, audience, recipient_ids)
    message = Message(sender_id=actor.id, course_id=course.id if course else None,
                      subject=_text(subject, SUBJECT_MAX, "subject"), body=_text(body, BODY_MAX, "body"))
    return _deliver(message, users)


def _deliver(message: Message, users) -> Message:
    db.session.add(message)
    db.session.flush()
    recipients = users.subquery()
    db.session.execute(insert(InboxEntry).from_select(
        ["message_id", "user_id"], select(literal(message.id), recipients.c[0]).distinct()))
    user_ids = list(db.session.scalars(select(InboxEntry.user_id).where(InboxEntry.message_id == message.id)))
    if not user_ids:
        raise Invalid(gettext("Nobody is in that audience: the message was not sent."))
    message.recipient_count = len(user_ids)
    db.session.flush()
    publish_after_commit({"type": "message.received", "messageId": message.id, "userIds": user_ids,
                          "courseId": message.course_id, "notice": message.notice})
    return message


def notify(user_id: int, *, subject: str, body: str, course_id: int | None = None) -> Message:
    """A notice from elearn itself (a reminder, a badge) into one user's inbox."""
    notice = Message(sender_id=None, course_id=course_id, notice=True, subject=subject[:SUBJECT_MAX],
                     body=body[:BODY_MAX])
    return _deliver(notice, select(literal(user_id)))


def reply(actor, message_id: int, body: str) -> Message:
    """``actor``'s answer to a message they received, into its sender's inbox."""
    original = _received(actor, message_id)
    if original.notice:
        raise Invalid(gettext("This message is from elearn itself: there is nobody to reply to."))
    sender = db.session.get(User, original.sender_id) if original.sender_id is not None else None
    if sender is None or not sender.active:
        raise Invalid(gettext("Its sender's account is gone: nobody would read a reply."))
    subject = original.subject if original.subject.startswith("Re: ") else f"Re: {original.subject}"
    answer = Message(sender_id=actor.id, course_id=original.course_id, reply_to_id=original.id,
                     subject=subject[:SUBJECT_MAX], body=_text(body, BODY_MAX, "body"))
    return _deliver(answer, select(literal(original.sender_id)))


def _received(actor, message_id: int) -> Message:
    """The message, if it is in ``actor``'s inbox (404 otherwise: others' mail is not there)."""
    found = db.session.execute(
        select(Message).join(InboxEntry, InboxEntry.message_id == Message.id)
        .where(Message.id == message_id, InboxEntry.user_id == actor.id)).scalar()
    if found is None:
        raise NotFound(gettext("No such message in your inbox."))
    return found


def open_message(actor, message_id: int) -> InboxItem:
    """A message of ``actor``'s inbox, marked read (once: the first reading is kept)."""
    item = inbox_items(actor.id).where(Message.id == message_id)
    row = db.session.execute(item).first()
    if row is None:
        raise NotFound(gettext("No such message in your inbox."))
    if row.read_at is None:
        now = utcnow()
        db.session.execute(update(InboxEntry).where(InboxEntry.message_id == message_id,
                                                    InboxEntry.user_id == actor.id, InboxEntry.read_at.is_(None))
                           .values(read_at=now))
        publish_after_commit({"type": "message.read", "messageId": message_id, "userId": actor.id})
        return InboxItem(*row[:-1], now)
    return InboxItem(*row)


def inbox_items(user_id: int):
    """The rows of ``user_id``'s inbox, in ``InboxItem``'s order (filter and order them as needed)."""
    sender = db.aliased(User)
    return (
        select(Message.id, Message.subject, Message.body, Message.sender_id, sender.name, Message.course_id,
               Course.title, Message.reply_to_id, Message.notice, Message.created_at, InboxEntry.read_at)
        .join(InboxEntry, InboxEntry.message_id == Message.id)
        .outerjoin(sender, sender.id == Message.sender_id)
        .outerjoin(Course, Course.id == Message.course_id)
        .where(InboxEntry.user_id == user_id)
    )


def inbox(actor, page: int = 1, per_page: int = 20, unread_only: bool = False) -> Inbox:
    """``actor``'s messages, newest first, and how many are unread: three statements."""
    stmt = inbox_items(actor.id).order_by(InboxEntry.message_id.desc())
    if unread_only:
        stmt = stmt.where(InboxEntry.read_at.is_(None))
    result = paginate(stmt, page, per_page, scalars=False)
    result.items = [InboxItem(*row) for row in result.items]
    return Inbox(result, unread_count(actor.id))


def unread_entry(user_id: int) -> Entry:
    """Where ``unread_count`` keeps a user's count: until a message reaches or is read in
    their inbox, or a course (whose messages go with it) is deleted."""
    return Entry((inbox_generation(user_id), INBOXES_GENERATION, CATALOG_GENERATION), f"inbox-unread:{user_id}", int)


def unread_count(user_id: int) -> int:
    """How many of ``user_id``'s messages are unread: the header of every page shows it."""
    return cached(unread_entry(user_id), lambda: db.session.scalar(
        select(func.count()).select_from(InboxEntry).where(InboxEntry.user_id == user_id,
                                                           InboxEntry.read_at.is_(None))))


@dataclass
class SentMessage:
    message_id: int
    subject: str
    created_at: datetime
    recipient_count: int
    replies: int


def course_messages(actor, course_id: int, page: int = 1, per_page: int = 20) -> Page:
    """What was written to a course's learners, newest first, each with how many replied
    (its instructor, admins). The replies themselves arrive in the writer's inbox."""
    course = course_for_analytics(actor, course_id)
    answer = db.aliased(Message)
    replies = select(func.count(answer.id)).where(answer.reply_to_id == Message.id).scalar_subquery()
    stmt = (select(Message.id, Message.subject, Message.created_at, Message.recipient_count, replies)
            .where(Message.course_id == course.id, Message.reply_to_id.is_(None))
            .order_by(Message.created_at.desc(), Message.id.desc()))
    result = paginate(stmt, page, per_page, scalars=False)
    result.items = [SentMessage(*row) for row in result.items]
    return result
