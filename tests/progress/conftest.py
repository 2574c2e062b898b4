"""John's reference example, built through the services: john at 7/10, 6/8 and 5/7."""
from dataclasses import dataclass

import pytest


@dataclass
class Seed:
    john: object
    instructor: object
    courses: list
    enrollments: list


@pytest.fixture
def seed(make):
    instructor = make.user("instructor", email="ada@example.com")
    john = make.user("student", email="john@example.com", name="John Doe")
    courses, enrollments = [], []
    for title, total, done in (("JavaScript Fundamentals", 10, 7), ("React Basics", 8, 6),
                               ("Node.js Backend", 7, 5)):
        course = make.course(instructor, modules=total, title=title)
        enrollment = make.enroll(john, course)
        make.complete(enrollment, done)
        courses.append(course)
        enrollments.append(enrollment)
    return Seed(john, instructor, courses, enrollments)
