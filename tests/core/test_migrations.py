"""The committed migrations build exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from elearn.extensions import autogenerate_includes


def test_upgrade_from_empty_database_leaves_no_autogenerate_diff(app, db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                         "include_object": autogenerate_includes})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_model_table_exists_after_upgrade(app, db):
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_hot_query_indexes_exist(app, db):
    inspector = inspect(db.engine)

    def indexed_columns(table):
        found = [tuple(ix["column_names"]) for ix in inspector.get_indexes(table)]
        found += [tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(table)]
        return found

    assert ("enrollment_id", "module_id") in indexed_columns("progress")
    assert ("module_id", "completed") in indexed_columns("progress")
    assert ("user_id", "course_id") in indexed_columns("enrollments")
    assert ("course_id", "completed_count") in indexed_columns("enrollments")
    assert ("user_id", "occurred_at") in indexed_columns("progress_events")
    assert ("course_id", "occurred_at") in indexed_columns("progress_events")


def test_the_student_lists_default_order_has_its_own_index(app, db):
    """Expression indexes, which autogenerate cannot compare: PostgreSQL's says NULLS LAST."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            definition = conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_enrollments_course_recent'")).scalar()
            assert "(course_id, last_activity_at DESC NULLS LAST, id)" in definition
        else:
            definition = conn.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_enrollments_course_recent_sqlite'")).scalar()
            assert "(course_id, last_activity_at DESC, id)" in definition


def test_learners_at_risk_have_their_own_index(app, db):
    """A course's unfinished enrollments, the longest idle first; on PostgreSQL with what the
    signals read, so their count reads the index alone."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            definition = conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_enrollments_course_unfinished'")).scalar()
            assert ("(course_id, COALESCE(last_activity_at, enrolled_at), id) "
                    "INCLUDE (enrolled_at, last_activity_at, completed_count, furthest_position) "
                    "WHERE (completed_at IS NULL)") in definition, definition
        else:
            definition = conn.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_enrollments_course_unfinished'")).scalar()
            assert "(course_id, coalesce(last_activity_at, enrolled_at), id) WHERE completed_at IS NULL" in definition
