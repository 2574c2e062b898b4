"""JSON: your own data and deletion request; admins decide on the requests."""
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from . import personal_data, service
from .schemas import DeletionRequestAdminOut, DeletionRequestOut, DeletionRequestQuery, YourDataOut

api = JsonApi("privacy", __name__)
ADMIN = ("admin",)


@api.operation("/me/export", response=YourDataOut)
def export_your_data():
    """Everything elearn holds about you: profile, enrollments, progress, activity, badges,
    tickets with their replies, inbox and sent messages, notification settings, sign-ins,
    email written to you and deletion requests."""
    return personal_data.your_data(current_user)


@api.operation("/me/deletion-request", "POST", response=DeletionRequestOut, status=202, errors=(422,))
def request_deletion():
    """Ask for your account to be deleted: the request waits for an admin (asking again is
    the same request). Admins' accounts are refused (422)."""
    return service.request_deletion(current_user)


@api.operation("/me/deletion-request", "DELETE", status=204)
def cancel_deletion():
    """Withdraw your waiting deletion request, if there is one."""
    service.cancel_deletion(current_user)


@api.operation("/admin/deletion-requests", query=DeletionRequestQuery, response=DeletionRequestAdminOut,
               paginated=True, roles=ADMIN)
def list_deletion_requests(query: DeletionRequestQuery):
    """Deletion requests in one ``status`` (default ``pending``, oldest first; others newest first)."""
    return service.list_requests(current_user, query.status, query.page, query.per_page)


@api.operation("/admin/deletion-requests/<int:request_id>/confirm", "POST", response=DeletionRequestAdminOut,
               roles=ADMIN, errors=(404, 409, 422))
def confirm_deletion(request_id: int):
    """Delete the requester's account: they are anonymised, signed out everywhere and
    disabled; their course records stay, anonymous."""
    return service.confirm(current_user, request_id)


@api.operation("/admin/deletion-requests/<int:request_id>/reject", "POST", response=DeletionRequestAdminOut,
               roles=ADMIN, errors=(404, 409))
def reject_deletion(request_id: int):
    """Decline a deletion request: the account stays as it is."""
    return service.reject(current_user, request_id)
