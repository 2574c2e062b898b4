"""JSON messages: write to learners, read the inbox, reply."""
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from . import service
from .schemas import InboxItemOut, InboxOut, InboxQuery, MessageIn, MessageReplyIn, SentOut

api = JsonApi("messages", __name__)


def _sent(message):
    return {"id": message.id, "recipients": message.recipient_count}


@api.operation("/messages", "POST", body=MessageIn, response=SentOut, status=201, errors=(403, 404, 422, 429))
@service.writing_limit
def send(body: MessageIn):
    """Write to learners of a course you teach (chosen, all, or at risk); admins also to
    chosen users, everyone or a role. Each recipient finds it in their inbox."""
    message = service.send_message(current_user, subject=body.subject, body=body.body, course_id=body.course_id,
                                   audience=body.filter or body.audience, recipient_ids=body.recipient_ids)
    return _sent(message)


@api.operation("/messages", query=InboxQuery, response=InboxOut)
def inbox(query: InboxQuery):
    """Your inbox, newest first (``unread=true``: only unread), with the number unread."""
    found = service.inbox(current_user, query.page, query.per_page, query.unread)
    return {"items": found.page.items, "page": found.page.page, "per_page": found.page.per_page,
            "total": found.page.total, "unread": found.unread}


@api.operation("/messages/<int:message_id>", response=InboxItemOut, errors=(404,))
def read(message_id: int):
    """One message of your inbox; reading it marks it read."""
    return service.open_message(current_user, message_id)


@api.operation("/messages/<int:message_id>/replies", "POST", body=MessageReplyIn, response=SentOut, status=201,
               errors=(404, 422, 429))
@service.writing_limit
def reply(message_id: int, body: MessageReplyIn):
    """Answer a message of your inbox: the reply goes to its sender."""
    return _sent(service.reply(current_user, message_id, body.body))
