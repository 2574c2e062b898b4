"""`make bench`, step 2: the ``elearn_bench`` database with the generated platform.

Idempotent: the database is created only when absent (and never dropped), migrated with
``flask db upgrade``, and filled with ``flask generate`` only while it holds fewer than
``GENERATED_PROGRESS_RECORDS`` progress records.
"""
import subprocess
import sys
import time

import psycopg2

from . import settings


def ensure_database() -> bool:
    """Create the bench database if it is missing; True when this call created it."""
    conn = psycopg2.connect(settings.dsn("postgres"))
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.BENCH_DATABASE,))
            if cur.fetchone():
                return False
            cur.execute(f'CREATE DATABASE "{settings.BENCH_DATABASE}"')
            return True
    finally:
        conn.close()


def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "elearn", *args], env=env, check=True)


def progress_records() -> int:
    with psycopg2.connect(settings.dsn()) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM progress")
        return cur.fetchone()[0]


def ensure_dataset(env: dict, echo=print) -> dict:
    """Database, schema and generated data; returns what was done and how long it took."""
    created = ensure_database()
    echo(f"database {settings.BENCH_DATABASE}: {'created' if created else 'exists'}; migrating")
    flask(env, "db", "upgrade")
    records = progress_records()
    generated_seconds = None
    if records < settings.GENERATED_PROGRESS_RECORDS:
        echo(f"{records:,} progress records: generating {settings.STUDENTS:,} students / "
             f"{settings.COURSES} courses (about {settings.STUDENTS // 100_000} minutes)")
        started = time.perf_counter()
        flask(env, "generate", "--students", str(settings.STUDENTS), "--courses", str(settings.COURSES),
              "--seed", str(settings.SEED), "--password", settings.PASSWORD)
        generated_seconds = round(time.perf_counter() - started, 1)
    else:
        echo(f"{records:,} progress records: generated data present, not regenerating")
    vacuum_seconds = vacuum()
    echo(f"VACUUM (ANALYZE) in {vacuum_seconds} s")
    return {"created_database": created, "generated_seconds": generated_seconds, "vacuum_seconds": vacuum_seconds}


#: What the reads touch. Every run adds and updates rows here; the suite vacuums them
#: itself because autovacuum may be off on a bench server (it is off on this one), and an
#: unvacuumed table gets no index-only scans and stale statistics: plans that a
#: production database with autovacuum would not have.
VACUUMED_TABLES = ("users", "courses", "modules", "enrollments", "progress", "progress_events", "achievements",
                   "module_stats", "sign_ins")


def vacuum() -> float:
    started = time.perf_counter()
    conn = psycopg2.connect(settings.dsn())
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"VACUUM (ANALYZE) {', '.join(VACUUMED_TABLES)}")
    finally:
        conn.close()
    return round(time.perf_counter() - started, 1)


SIZE_QUERIES = {
    "users": "SELECT count(*) FROM users",
    "students": "SELECT count(*) FROM users WHERE role = 'student'",
    "instructors": "SELECT count(*) FROM users WHERE role = 'instructor'",
    "courses": "SELECT count(*) FROM courses",
    "modules": "SELECT count(*) FROM modules",
    "enrollments": "SELECT count(*) FROM enrollments",
    "progress": "SELECT count(*) FROM progress",
    "progress_completed": "SELECT count(*) FROM progress WHERE completed",
    "progress_events": "SELECT count(*) FROM progress_events",
    "largest_course_enrollments": "SELECT max(n) FROM (SELECT count(*) AS n FROM enrollments GROUP BY course_id) AS c",
    "database_bytes": f"SELECT pg_database_size('{settings.BENCH_DATABASE}')",
    "progress_table_bytes": "SELECT pg_total_relation_size('progress')",
}


def dataset_sizes() -> dict:
    with psycopg2.connect(settings.dsn()) as conn, conn.cursor() as cur:
        sizes = {}
        for name, sql in SIZE_QUERIES.items():
            cur.execute(sql)
            sizes[name] = cur.fetchone()[0]
        return sizes
