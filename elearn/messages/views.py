"""Inbox pages for everyone, and the course's message page for its instructor.

The header's inbox link carries the unread count; a ``message.received`` event re-renders
it on every open live page of its recipients, with a toast naming the message.
"""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..analytics.access import course_for_analytics
from ..cache import read_ahead_for_user
from ..schemas import id_in
from ..web.access import login_required
from ..web.errors import wants_json
from ..web.htmx import is_htmx
from ..web.inputs import parse_form, parse_query
from . import service
from .schemas import CourseMessageForm, InboxQuery, MessageReplyIn, PlatformMessageForm

bp = Blueprint("messages", __name__)
STAFF = ("instructor", "admin")


@bp.app_context_processor
def inbox_count():
    """``inbox_unread()`` for the header: a cached count, only on pages that show it."""
    return {"inbox_unread": lambda: service.unread_count(current_user.id) if current_user.is_authenticated else 0}


@bp.before_app_request
def read_unread_count_ahead():
    """A whole page shows the unread count in its header: fetch it with the sign-in check,
    in that round trip (htmx fragments and the JSON API have no header)."""
    if request.method == "GET" and not is_htmx() and not wants_json():
        read_ahead_for_user(lambda user_id: [service.unread_entry(user_id)])


def _sent_to() -> int | None:
    """How many a message just went to (``?sent=``, after the redirect that follows sending)."""
    sent = request.args.get("sent", "")
    return id_in(sent)


@bp.get("/inbox")
@login_required()
def inbox():
    query = parse_query(InboxQuery, lenient=True)
    return render_template("messages/inbox.html", inbox=service.inbox(current_user, query.page, 20, query.unread),
                           unread_only=query.unread)


@bp.get("/inbox/<int:message_id>")
@login_required()
def message(message_id: int):
    return render_template("messages/message.html", message=service.open_message(current_user, message_id),
                           errors={}, replied=request.args.get("replied") == "1")


@bp.post("/inbox/<int:message_id>/reply")
@login_required()
@service.writing_limit
def reply(message_id: int):
    item = service.open_message(current_user, message_id)  # 404 before a form error
    data, errors = parse_form(MessageReplyIn)
    if errors:
        return render_template("messages/message.html", message=item, errors=errors), 422
    service.reply(current_user, message_id, data.body)
    return redirect(url_for("messages.message", message_id=message_id, replied=1), 303)


def _course_page(course, errors=None, values=None, status=200):
    page = parse_query(InboxQuery, lenient=True).page
    return render_template("messages/course.html", course=course, errors=errors or {}, values=values or {},
                           sent=service.course_messages(current_user, course.id, page),
                           sent_to=_sent_to()), status


@bp.get("/teach/courses/<int:course_id>/messages")
@login_required(*STAFF)
def course_messages(course_id: int):
    return _course_page(course_for_analytics(current_user, course_id))


@bp.post("/teach/courses/<int:course_id>/messages")
@login_required(*STAFF)
@service.writing_limit
def send_to_course(course_id: int):
    """The course page's "Message learners" form: the learners ticked in the student list,
    all of them, or those at risk."""
    course = course_for_analytics(current_user, course_id)
    data, errors = parse_form(CourseMessageForm, recipient_ids=[number for number in map(id_in, request.form.getlist("recipientIds"))
                                                                 if number] or None)
    if errors:
        return _course_page(course, errors, request.form, 422)
    sent = service.send_message(current_user, subject=data.subject, body=data.body, course_id=course.id,
                                audience=None if data.audience == "selected" else data.audience,
                                recipient_ids=data.recipient_ids if data.audience == "selected" else None)
    return redirect(url_for("messages.course_messages", course_id=course.id, sent=sent.recipient_count), 303)


@bp.get("/admin/messages")
@login_required("admin")
def admin_messages():
    return render_template("messages/admin.html", errors={}, values={}, sent_to=_sent_to())


@bp.post("/admin/messages")
@login_required("admin")
@service.writing_limit
def send_to_platform():
    """An admin writes to everyone, or to everyone of a role."""
    data, errors = parse_form(PlatformMessageForm)
    if errors:
        return render_template("messages/admin.html", errors=errors, values=request.form, sent_to=None), 422
    sent = service.send_message(current_user, subject=data.subject, body=data.body, audience=data.audience)
    return redirect(url_for("messages.admin_messages", sent=sent.recipient_count), 303)


def message_toast(events: list[dict]) -> str:
    """The header's inbox link, re-counted, and a notice of what arrived from people
    (elearn's own notes, such as a badge's, have announced themselves already)."""
    personal = [event for event in events if not event.get("notice")]
    if not personal:
        return render_template("messages/_inbox_count.html")
    return render_template("messages/_received.html", count=len(personal))


def inbox_link(_events: list[dict]) -> str:
    """Reading a message (here or in another tab) brings the header's count down."""
    return render_template("messages/_inbox_count.html")


TOASTS = {"message.received": message_toast, "message.read": inbox_link}
