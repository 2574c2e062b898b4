"""A 100,000-row file imports in well under a minute on PostgreSQL, with exact counts."""
import time

from sqlalchemy import func, insert, select

from elearn.audit.models import AuditEntry
from elearn.auth.models import User
from elearn.enrollments.models import Enrollment
from elearn.extensions import db
from elearn.progress.models import Progress
from tests.imports.test_imports import _send
from tests.progress.test_counters import assert_counters_equal_a_recount


def test_a_hundred_thousand_rows_preview_and_import_with_exact_counts(api, make):
    learners = 20_000 if db.engine.dialect.name == "postgresql" else 2_000  # SQLite: the same path, smaller
    make.user("admin", email="root@example.com")
    teacher = make.user("instructor")
    courses = [make.course(teacher, modules=10, title=f"Course {k}") for k in range(5)]
    modules = {course.id: [module.id for module in make.modules(course)] for course in courses}
    db.session.execute(insert(User), [{"email": f"learner{i}@example.com", "name": f"Learner {i}",
                                       "password_hash": "!", "role": "student"} for i in range(learners)])
    db.session.commit()
    lines = ["email,course,module,completed_at"]
    for i in range(learners):
        course = courses[i % 5]
        lines += [f"learner{i}@example.com,{course.id},{modules[course.id][k]},2026-03-0{k + 1}" for k in range(5)]
    text = "\n".join(lines) + "\n"
    token = api.token("root@example.com")

    started = time.perf_counter()
    preview = _send(api, token, text, dryRun=True).get_json()
    applied = _send(api, token, text, dryRun=False).get_json()
    elapsed = time.perf_counter() - started
    rows = learners * 5
    assert preview == {"rows": rows, "created": rows, "updated": 0, "unchanged": 0, "errors": []}
    assert applied == preview
    assert elapsed < 60, f"preview and import of {rows} rows took {elapsed:.1f} s"
    assert db.session.scalar(select(func.count()).select_from(Progress)) == rows
    assert db.session.scalar(select(func.sum(Enrollment.completed_count))) == rows
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.applied"))
    assert (entry.details["rows"], entry.details["created"]) == (rows, rows)
    assert_counters_equal_a_recount(db)
