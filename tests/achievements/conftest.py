"""Helpers for achievement tests: the bus's messages, and completions at chosen instants."""
from datetime import datetime

import pytest

from elearn.progress.models import ProgressEvent


def earned(messages) -> list[dict]:
    return [m for m in messages if m["type"] == "achievement.earned"]


@pytest.fixture
def log_completions(db):
    """``log_completions(enrollment, *instants)`` appends completed events at those instants
    (streaks are read from the activity log, so this is all a streak needs)."""

    def log(enrollment, *instants: datetime, kind="completed"):
        for instant in instants:
            db.session.add(ProgressEvent(user_id=enrollment.user_id, course_id=enrollment.course_id,
                                         enrollment_id=enrollment.id, kind=kind, occurred_at=instant))
        db.session.commit()

    return log
