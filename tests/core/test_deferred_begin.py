"""On PostgreSQL a transaction begins with its first statement that may write: a request
that only reads opens none (no BEGIN, no COMMIT), and whatever writes is still all or
nothing."""
import pytest
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS
from sqlalchemy import func, insert, select, text

from elearn.auth.models import User
from elearn.catalog.models import Course


@pytest.fixture
def pg(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg2 sends BEGIN of its own only on PostgreSQL")
    return db


def _status(db) -> int:
    return db.session.connection().connection.dbapi_connection.get_transaction_status()


def _users(db) -> int:
    with db.engine.connect() as other:  # what another connection sees: committed rows only
        return other.scalar(select(func.count()).select_from(User))


def test_reads_open_no_transaction(pg, make):
    make.user(email="s@example.com")
    pg.session.commit()
    assert pg.session.scalar(select(User.email)) == "s@example.com"
    pg.session.execute(select(Course.id)).all()
    assert _status(pg) == TRANSACTION_STATUS_IDLE


def test_the_first_write_begins_the_transaction_and_a_rollback_takes_all_of_it(pg):
    pg.session.scalar(select(func.count()).select_from(User))  # a read first: no transaction yet
    pg.session.execute(insert(User).values(email="a@example.com", name="A", password_hash="x"))
    assert _status(pg) == TRANSACTION_STATUS_INTRANS
    pg.session.execute(insert(User).values(email="b@example.com", name="B", password_hash="x"))
    assert _users(pg) == 0, "nothing is visible before the commit"
    pg.session.rollback()
    assert _users(pg) == 0
    assert pg.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_locking_read_begins_the_transaction_and_holds_its_lock(pg, make):
    make.user(email="s@example.com")
    pg.session.commit()
    pg.session.execute(select(User).with_for_update()).all()
    assert _status(pg) == TRANSACTION_STATUS_INTRANS
    with pg.engine.connect() as other:
        other.execute(text("SET lock_timeout = '100ms'"))
        with pytest.raises(Exception, match="lock timeout"):
            other.execute(text("UPDATE users SET name = 'Other'"))
    pg.session.rollback()


def test_text_sql_is_taken_to_write(pg):
    pg.session.execute(text("SELECT 1"))
    assert _status(pg) == TRANSACTION_STATUS_INTRANS
    pg.session.rollback()


def test_a_copy_past_sqlalchemy_is_rolled_back_with_the_rest(pg):
    from elearn.synthetic.bulk import bulk_loader

    loader = bulk_loader(pg.session.connection())  # COPY first: no statement SQLAlchemy sees
    loader.write("users", ("id", "email", "name", "password_hash", "role", "active", "timezone", "created_at"),
                 [(10_000, "c@example.com", "C", "x", "student", True, "UTC", loader.timestamp(0))])
    assert _status(pg) == TRANSACTION_STATUS_INTRANS
    pg.session.rollback()
    assert _users(pg) == 0
