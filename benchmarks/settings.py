"""Where the suite's services and dataset are, and how big the dataset is."""
import os
import secrets

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"

#: The generated platforms (`flask generate`), by ``make bench SCALE=``: each in its own
#: database, and a database with at least ``records`` progress records holds it.
SCALES = {
    # about 1.2 M progress records; the largest course has about 22,000 enrollments
    "standard": {"database": "elearn_bench", "students": 200_000, "records": 1_000_000},
    # about 10 M progress records; the largest course has well over 100,000 enrollments
    "large": {"database": "elearn_bench_large", "students": 1_600_000, "records": 9_000_000},
}
SCALE = os.environ.get("BENCH_SCALE") or "standard"
if SCALE not in SCALES:
    raise SystemExit(f"SCALE must be one of {', '.join(SCALES)}, not {SCALE!r}")
BENCH_DATABASE = SCALES[SCALE]["database"]
STUDENTS, COURSES, SEED, PASSWORD = SCALES[SCALE]["students"], 200, 1, "bench-pass-1"
GENERATED_PROGRESS_RECORDS = SCALES[SCALE]["records"]

WORKERS = 2


def dsn(database: str = BENCH_DATABASE) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def app_environment(secret_key: str, event_channel: str) -> dict[str, str]:
    """The variables the app reads (README "Configuration"), for the CLI, the server and
    the in-process app that mints tokens; everything else is inherited."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": dsn(),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secret_key,
        # Our cache keys, events and jobs stay apart from anyone else's on the same Redis
        # (no worker runs during the bench: its jobs are deleted with its keys afterwards).
        "ELEARN_EVENT_CHANNEL": event_channel,
        "ELEARN_JOB_QUEUE": f"{event_channel}:jobs",
        "JWT_EXPIRES_SECONDS": str(6 * 3600),
    })
    return env


def new_secret_key() -> str:
    return secrets.token_urlsafe(36)  # 48 characters
