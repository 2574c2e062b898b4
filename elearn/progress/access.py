"""Who may read and write an enrollment's progress: the loader both surfaces use.

Only the enrollment's owner writes. The owner, the course's instructor and admins read;
anyone else is told the enrollment does not exist (404 before 403).
"""
from flask_babel import gettext
from sqlalchemy import select

from ..catalog.models import Course, Module
from ..enrollments.models import Enrollment
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db


def may_read(actor, enrollment: Enrollment, instructor_id: int) -> bool:
    """The learner, admins, and the course's instructor while they are an instructor."""
    return (enrollment.user_id == actor.id or actor.role == "admin"
            or (actor.role == "instructor" and instructor_id == actor.id))


def load_enrollment(actor, enrollment_id: int, write: bool = False) -> tuple[Enrollment, Course]:
    """The enrollment and its course, if ``actor`` may read it (404) and write it (403)."""
    row = db.session.execute(
        select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.id == enrollment_id)
    ).first()
    if row is None or not may_read(actor, row[0], row[1].instructor_id):
        raise NotFound(gettext("No such enrollment."))
    if write and row[0].user_id != actor.id:
        raise Forbidden(gettext("Only the learner can change their own progress."))
    return row[0], row[1]


def check_module_in_course(module_id: int, course_id: int) -> None:
    found = db.session.scalar(select(Module.course_id).where(Module.id == module_id))
    if found != course_id:
        raise Invalid(gettext("The module is not part of this enrollment's course."),
                      details={"moduleId": gettext("not in the enrollment's course")})
