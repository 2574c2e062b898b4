"""The issue's hand-computed course: 4 modules; Ana, Ben, Cleo and Dan at 4, 2, 1 and 0.

Times are pinned relative to ``now`` by writing the rows' timestamps directly:

| learner | completed | enrolled | last activity | completed course |
|---|---|---|---|---|
| Ana  | 1-4 | now - 12.5 d | now - 2 d  | now - 2 d (10.5 days after enrolling) |
| Ben  | 1-2 | now - 30 d   | now - 20 d | |
| Cleo | 1   | now - 10 d   | now - 3 d  | |
| Dan  | none (started module 1) | now - 40 d | now - 15 d | |

Hours from start to completion: module 1 took Ana 1, Ben 2, Cleo 6 (mean 3); module 2
took Ana 2, Ben 5 (3.5); module 3 took Ana 0.5; module 4 took Ana 12.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.progress import writes as progress
from elearn.progress.counters import recount_module_stats
from elearn.progress.models import Progress

HOURS_TO_COMPLETE = {  # learner: hours per completed module, in module order
    "ana": (1, 2, 0.5, 12),
    "ben": (2, 5),
    "cleo": (6,),
}
TIMES = {  # learner: (days since enrolling, days since last activity)
    "ana": (12.5, 2),
    "ben": (30, 20),
    "cleo": (10, 3),
    "dan": (40, 15),
}


@dataclass
class IssueCourse:
    now: datetime
    instructor: object
    course: object
    modules: list
    students: dict
    enrollments: dict


def pin_times(enrollment, now, enrolled_days_ago, idle_days, completed_days_ago=None):
    enrollment.enrolled_at = now - timedelta(days=enrolled_days_ago)
    enrollment.last_activity_at = None if idle_days is None else now - timedelta(days=idle_days)
    if completed_days_ago is not None:
        enrollment.completed_at = now - timedelta(days=completed_days_ago)


@pytest.fixture
def issue(make) -> IssueCourse:
    ada = make.user("instructor", email="ada@example.com", name="Ada Lovelace")
    course = make.course(ada, modules=4, title="Hand-computed")
    modules = make.modules(course)
    students, enrollments = {}, {}
    for key, done in (("ana", 4), ("ben", 2), ("cleo", 1), ("dan", 0)):
        students[key] = make.user(email=f"{key}@example.com", name=f"{key.title()} Learner")
        enrollments[key] = make.complete(make.enroll(students[key], course), done)
    progress.start_module(students["dan"], enrollments["dan"].id, modules[0].id)
    db.session.commit()

    now = utcnow()
    done_at = now - timedelta(days=2)
    for key, hours in HOURS_TO_COMPLETE.items():
        for module, took in zip(modules, hours, strict=False):
            record = db.session.query(Progress).filter_by(
                enrollment_id=enrollments[key].id, module_id=module.id).one()
            record.completed_at = done_at
            record.started_at = done_at - timedelta(hours=took)
            record.completion_seconds = round(took * 3600)
    for key, (enrolled, idle) in TIMES.items():
        pin_times(enrollments[key], now, enrolled, idle, completed_days_ago=2 if key == "ana" else None)
    db.session.flush()
    recount_module_stats([course.id])  # the records were rewritten directly, as a bulk loader would
    db.session.commit()
    return IssueCourse(now, ada, course, modules, students, enrollments)
