"""Enrolling, and who may see which enrollment.

Each enrollment also moves ``Course.enrollment_count`` in its transaction;
``recount_enrollment_counts`` rebuilds it from the rows (for bulk loaders, and for the
tests that prove it never drifts).
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..catalog.models import Course
from ..catalog.service import get_course
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..events import publish_after_commit
from ..extensions import db
from ..numbers import percentage
from ..pagination import Page, paginate
from .models import Enrollment


def enroll(actor, course_id: int, user_id: int | None = None) -> Enrollment:
    """Students enroll themselves; admins enroll any student. The price is fixed now."""
    target_id = user_id or actor.id
    if actor.role != "admin":
        if actor.role != "student":
            raise Forbidden(gettext("Only students enroll in courses."))
        if target_id != actor.id:
            raise Forbidden(gettext("You can only enroll yourself."))
    target = db.session.get(User, target_id)
    if target is None:
        raise NotFound(gettext("No such user."))
    if target.role != "student":
        raise Invalid(gettext("Only students can be enrolled."), details={"userId": gettext("not a student")})
    course = get_course(actor, course_id)
    if not course.published and actor.role != "admin":
        raise NotFound(gettext("No such course."))
    if db.session.scalar(select(Enrollment.id).filter_by(user_id=target_id, course_id=course_id)):
        raise Conflict(gettext("Already enrolled in this course."), details={"courseId": course_id})
    enrollment = Enrollment(user_id=target_id, course_id=course_id, price_paid_cents=course.price_cents)
    try:
        with db.session.begin_nested():  # a concurrent enroll may have won the race
            db.session.add(enrollment)
    except IntegrityError as error:
        raise Conflict(gettext("Already enrolled in this course."), details={"courseId": course_id}) from error
    db.session.execute(update(Course).where(Course.id == course_id)
                       .values(enrollment_count=Course.enrollment_count + 1)
                       .execution_options(synchronize_session=False))
    publish_after_commit({"type": "enrollment.created", "userId": target_id, "courseId": course_id,
                          "enrollmentId": enrollment.id})
    return enrollment


def recount_enrollment_counts(course_ids: list[int] | None = None) -> None:
    """Every course's ``enrollment_count`` from its enrollments (one UPDATE)."""
    counted = select(func.count(Enrollment.id)).where(Enrollment.course_id == Course.id).scalar_subquery()
    stmt = update(Course).values(enrollment_count=counted)
    if course_ids is not None:
        stmt = stmt.where(Course.id.in_(course_ids))
    db.session.execute(stmt.execution_options(synchronize_session=False))


@dataclass
class EnrollmentSummary:
    id: int
    user_id: int
    course_id: int
    enrolled_at: datetime
    price_paid_cents: int
    completed_at: datetime | None
    last_activity_at: datetime | None
    course_title: str
    total_modules: int
    completed_modules: int

    @property
    def percentage(self) -> float:
        return percentage(self.completed_modules, self.total_modules)


def list_enrollments(actor, user_id: int | None = None, page=1, per_page=50) -> Page:
    """The actor's own enrollments; admins may ask for anyone's."""
    if user_id is not None and user_id != actor.id and actor.role != "admin":
        raise Forbidden(gettext("Only admins can list other users' enrollments."))
    stmt = (
        select(Enrollment, Course.title, Course.module_count)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == (user_id or actor.id))
        .order_by(Enrollment.enrolled_at, Enrollment.id)
    )
    result = paginate(stmt, page, per_page, scalars=False)
    result.items = [
        EnrollmentSummary(
            id=e.id, user_id=e.user_id, course_id=e.course_id, enrolled_at=e.enrolled_at,
            price_paid_cents=e.price_paid_cents, completed_at=e.completed_at,
            last_activity_at=e.last_activity_at, course_title=title, total_modules=modules,
            completed_modules=e.completed_count,
        )
        for e, title, modules in result.items
    ]
    return result


def enrollment_of(user_id: int, course_id: int) -> Enrollment | None:
    """The user's enrollment in a course, if any."""
    return db.session.scalar(select(Enrollment).filter_by(user_id=user_id, course_id=course_id))


def enrolled_course_ids(user_id: int, course_ids: list[int]) -> set[int]:
    """Which of these courses the user is enrolled in (one indexed query)."""
    if not course_ids:
        return set()
    return set(db.session.scalars(select(Enrollment.course_id).where(
        Enrollment.user_id == user_id, Enrollment.course_id.in_(course_ids))))
