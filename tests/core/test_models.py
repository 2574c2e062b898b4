"""Constraints and cascades of the data model."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from elearn.auth.models import User
from elearn.catalog.models import Course, Module
from elearn.enrollments.models import Enrollment
from elearn.progress.models import Progress, ProgressEvent


def _course(db, instructor, modules=3):
    course = Course(title="Course", description="", instructor_id=instructor.id)
    db.session.add(course)
    db.session.flush()
    for position in range(1, modules + 1):
        db.session.add(Module(course_id=course.id, title=f"M{position}", position=position))
    db.session.flush()
    return course


def test_timestamps_round_trip_as_aware_utc(db, make):
    user = make.user()
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    user.created_at = moment
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(User, user.id).created_at
    assert loaded.tzinfo is not None and loaded.utcoffset() == timedelta(0)
    assert loaded == moment


def test_naive_datetimes_are_refused(db, make):
    user = make.user()
    user.created_at = datetime(2026, 1, 1)
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_emails_must_be_stored_lower_case(db):
    db.session.add(User(email="Mixed@Example.com", name="M", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_module_positions_are_unique_per_course(db, make):
    course = _course(db, make.user("instructor"), modules=2)
    db.session.add(Module(course_id=course.id, title="Dup", position=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_progress_record_per_enrollment_and_module(db, make):
    student, course = make.user(), _course(db, make.user("instructor"))
    enrollment = Enrollment(user_id=student.id, course_id=course.id)
    db.session.add(enrollment)
    db.session.flush()
    module_id = db.session.scalar(select(Module.id).where(Module.course_id == course.id).limit(1))
    db.session.add_all([Progress(enrollment_id=enrollment.id, module_id=module_id),
                        Progress(enrollment_id=enrollment.id, module_id=module_id)])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_deleting_a_course_leaves_no_orphans(db, make):
    student, course = make.user(), _course(db, make.user("instructor"))
    enrollment = Enrollment(user_id=student.id, course_id=course.id)
    db.session.add(enrollment)
    db.session.flush()
    module_id = db.session.scalar(select(Module.id).where(Module.course_id == course.id).limit(1))
    db.session.add(Progress(enrollment_id=enrollment.id, module_id=module_id))
    db.session.add(ProgressEvent(user_id=student.id, course_id=course.id, enrollment_id=enrollment.id,
                                 module_id=module_id, kind="started"))
    db.session.commit()
    db.session.execute(text("DELETE FROM courses WHERE id = :id"), {"id": course.id})
    db.session.commit()
    for table in ("modules", "enrollments", "progress", "progress_events", "contents"):
        assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_deleting_a_module_keeps_its_history_without_the_module(db, make):
    student, course = make.user(), _course(db, make.user("instructor"))
    enrollment = Enrollment(user_id=student.id, course_id=course.id)
    db.session.add(enrollment)
    db.session.flush()
    module_id = db.session.scalar(select(Module.id).where(Module.course_id == course.id).limit(1))
    db.session.add(Progress(enrollment_id=enrollment.id, module_id=module_id))
    db.session.add(ProgressEvent(user_id=student.id, course_id=course.id, enrollment_id=enrollment.id,
                                 module_id=module_id, kind="started"))
    db.session.commit()
    db.session.execute(text("DELETE FROM modules WHERE id = :id"), {"id": module_id})
    db.session.commit()
    assert db.session.execute(text("SELECT count(*) FROM progress")).scalar() == 0
    assert db.session.execute(text("SELECT module_id FROM progress_events")).scalar() is None
