"""Where the suite's services and dataset are, and how big the dataset is."""
import os
import secrets

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
BENCH_DATABASE = "elearn_bench"
REDIS_URL = "redis://127.0.0.1:6379/0"

#: The generated platform (`flask generate`): about 1.2 M progress records.
STUDENTS, COURSES, SEED, PASSWORD = 200_000, 200, 1, "bench-pass-1"
#: A database with at least this many progress records holds the generated platform.
GENERATED_PROGRESS_RECORDS = 1_000_000

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
        # Our cache keys and events stay apart from anyone else's on the same Redis.
        "ELEARN_EVENT_CHANNEL": event_channel,
        "JWT_EXPIRES_SECONDS": str(6 * 3600),
    })
    return env


def new_secret_key() -> str:
    return secrets.token_urlsafe(36)  # 48 characters
