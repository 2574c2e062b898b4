"""Who reads a course's analytics: one rule for every analytics question.

Only the course's instructor and admins, the same as the catalog's editing rule. A
course the actor cannot see at all (no such course, or someone else's draft) is 404; a
course they can see but do not teach (a published one) is 403. A student never gets an
answer.
"""
from flask_babel import gettext

from ..catalog.models import Course
from ..catalog.service import can_edit, get_course
from ..errors import Forbidden


def course_for_analytics(actor, course_id: int) -> Course:
    """The course, if ``actor`` teaches it or is an admin."""
    course = get_course(actor, course_id)
    if not can_edit(actor, course):
        raise Forbidden(gettext("Only the course's instructor or an admin can see its analytics."))
    return course
