"""The dialect helpers give the same answers on SQLite and PostgreSQL."""
import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from elearn.auth.models import User
from elearn.sql import at_rank, day_start, hour_of_week_in_zone, month_start, week_start


@pytest.mark.parametrize("moment, day, week, month", [
    (datetime(2026, 1, 1, 10, tzinfo=UTC), "2026-01-01", "2025-12-29", "2026-01-01"),  # ISO week across New Year
    (datetime(2025, 12, 28, 23, 59, 59, 999999, tzinfo=UTC), "2025-12-28", "2025-12-22", "2025-12-01"),  # a Sunday
    (datetime(2026, 3, 2, tzinfo=UTC), "2026-03-02", "2026-03-02", "2026-03-01"),  # a Monday at midnight
    (datetime(2026, 3, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),  # 23:30 UTC on the last day of February
     "2026-02-28", "2026-02-23", "2026-02-01"),
])
def test_period_starts_are_utc_calendar_days_iso_weeks_and_months(db, make, moment, day, week, month):
    user = make.user()
    user.created_at = moment
    db.session.commit()
    row = db.session.execute(select(day_start(User.created_at), week_start(User.created_at),
                                    month_start(User.created_at)).where(User.id == user.id)).one()
    assert tuple(row) == (day, week, month)


@pytest.mark.parametrize("zone, expected", [
    ("UTC", 23),  # Monday 23:xx
    ("Europe/Berlin", 24),  # Tuesday 00:xx
    ("America/Los_Angeles", 15),  # Monday 15:xx
    ("Asia/Kolkata", 24 + 5),  # Tuesday 05:xx
    ("Pacific/Chatham", 24 + 13),  # UTC+13:45 in March: Tuesday 13:15
])
def test_hour_of_week_in_a_zone(db, make, zone, expected):
    moment = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    user = make.user()
    user.created_at = moment
    db.session.commit()
    hour = hour_of_week_in_zone(User.created_at, zone, moment - timedelta(days=30), moment)
    assert db.session.scalar(select(hour).where(User.id == user.id)) == expected


def test_the_last_instant_of_an_hour_stays_in_that_hour(db, make):
    moment = datetime(2026, 3, 1, 23, 59, 59, 999_900, tzinfo=UTC)  # Sunday, the week's last hour
    user = make.user()
    user.created_at = moment
    db.session.commit()
    hour = hour_of_week_in_zone(User.created_at, "UTC", moment - timedelta(days=1), moment)
    assert db.session.scalar(select(hour).where(User.id == user.id)) == 167


@pytest.mark.parametrize("share", [(1, 2), (4, 5), (1, 1), (1, 10)])
def test_at_rank_takes_the_row_ranked_ceil_share_times_n_per_group(app, make, share):
    """The same rows on both databases (percentile_disc on PostgreSQL, windows on SQLite)."""
    from elearn.extensions import db

    for _ in range(7):
        make.user("student")
    for _ in range(3):
        make.user("instructor")
    make.user("admin")
    db.session.commit()
    ids = {role: sorted(db.session.scalars(select(User.id).where(User.role == role))) for role in
           ("student", "instructor", "admin")}
    expected = {role: values[math.ceil(share[0] * len(values) / share[1]) - 1] for role, values in ids.items()
                if len(values) >= 2}
    rows = db.session.execute(at_rank(User.id, select(User), group=User.role, share=share, at_least=2)).all()
    assert dict(rows) == expected
    everyone = sorted(v for values in ids.values() for v in values)
    assert db.session.execute(at_rank(User.id, select(User), share=share)).all() == [
        (everyone[math.ceil(share[0] * len(everyone) / share[1]) - 1],)]
    assert db.session.execute(at_rank(User.id, select(User).where(User.id < 0), share=share)).all() == []
