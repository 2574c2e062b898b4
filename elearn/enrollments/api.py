"""JSON enrollments."""
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from . import service
from .schemas import EnrollmentIn, EnrollmentOut, EnrollmentQuery, EnrollmentSummaryOut

api = JsonApi("enrollments", __name__)


@api.operation("/enrollments", "POST", body=EnrollmentIn, response=EnrollmentOut, status=201,
           errors=(403, 404, 409, 422))
def enroll(body: EnrollmentIn):
    """Enroll in a course (students: themselves; admins: any student via ``userId``)."""
    return service.enroll(current_user, body.course_id, body.user_id)


@api.operation("/enrollments", query=EnrollmentQuery, response=EnrollmentSummaryOut, paginated=True, errors=(403,))
def list_enrollments(query: EnrollmentQuery):
    """The caller's enrollments with their progress; admins may pass ``userId``."""
    return service.list_enrollments(current_user, query.user_id, query.page, query.per_page)
