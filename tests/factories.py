"""Rows for tests, built through the services so every counter is kept as in production."""
import itertools

from elearn.auth import service as accounts
from elearn.catalog import service as catalog
from elearn.enrollments import service as enrollments
from elearn.extensions import db
from elearn.progress import writes as progress

_numbers = itertools.count(1)


class Factory:
    def user(self, role="student", email=None, name=None, password="password123", active=True,
             timezone="UTC"):
        n = next(_numbers)
        user = accounts.create_user(email or f"{role}{n}@example.com", password,
                                    name or f"{role.title()} {n}", role=role)
        user.active = active
        user.timezone = timezone
        db.session.commit()
        return user

    def course(self, instructor=None, modules=4, title=None, published=True, price_cents=0):
        instructor = instructor or self.user("instructor")
        course = catalog.create_course(instructor, title=title or f"Course {next(_numbers)}",
                                       published=published, price_cents=price_cents)
        for k in range(1, modules + 1):
            catalog.add_module(instructor, course.id, title=f"Module {k}")
        db.session.commit()
        return course

    def modules(self, course) -> list:
        from sqlalchemy import select

        from elearn.catalog.models import Module

        return list(db.session.scalars(
            select(Module).where(Module.course_id == course.id).order_by(Module.position)))

    def enroll(self, student, course):
        enrollment = enrollments.enroll(student, course.id)
        db.session.commit()
        return enrollment

    def complete(self, enrollment, count: int):
        """Complete the first ``count`` modules of the enrollment's course, in order."""
        from elearn.auth.models import User
        from elearn.catalog.models import Course

        student = db.session.get(User, enrollment.user_id)
        for module in self.modules(db.session.get(Course, enrollment.course_id))[:count]:
            progress.mark_module_completed(student, enrollment.id, module.id)
        db.session.commit()
        return enrollment
