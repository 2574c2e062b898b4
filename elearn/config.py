"""Settings read from the environment, in one place."""
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

#: Keys of at least this length count as "real" for production.
MIN_SECRET_KEY_LENGTH = 32


def _instance_secret_key(instance_path: str) -> str:
    """Development key: generated once, kept in instance/ so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Pin PostgreSQL URLs to psycopg2 (SQLAlchemy 2.1 would pick psycopg 3 by default)."""
    for alias in ("postgres://", "postgresql://"):
        if url.startswith(alias):
            return "postgresql+psycopg2://" + url[len(alias):]
    return url


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from environment variables.

    ``ELEARN_ENV=production`` (set by ``make serve`` and gunicorn.conf.py) refuses to
    start without a real ``SECRET_KEY``; elsewhere one is generated into instance/.
    """
    env = os.environ.get("ELEARN_ENV", "development")
    secret_key = os.environ.get("SECRET_KEY")
    if env == "production":
        if not secret_key or len(secret_key) < MIN_SECRET_KEY_LENGTH:
            raise RuntimeError(
                f"SECRET_KEY must be set to a random string of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters in production"
            )
    elif not secret_key:
        secret_key = _instance_secret_key(instance_path)

    database_url = normalise_database_url(
        os.environ.get("DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "elearn.sqlite")
    )

    return {
        "ELEARN_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        # The progress write is prepared on each PostgreSQL connection (prepared.py); off
        # behind a pooler in transaction mode, which moves transactions between connections.
        "PREPARED_STATEMENTS": _prepared_statements(),
        # Dashboard and analytics reads go to a replica when one is given (read_replica.py).
        "SQLALCHEMY_BINDS": ({"replica": normalise_database_url(os.environ["DATABASE_READ_URL"])}
                             if os.environ.get("DATABASE_READ_URL") else {}),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Deployments (and test runs) sharing one Redis keep their events apart by channel.
        "EVENT_CHANNEL": os.environ.get("ELEARN_EVENT_CHANNEL", "elearn:events"),
        # Background jobs (jobs/queue.py): the RQ queue's name, and the waits before retries.
        "JOB_QUEUE": os.environ.get("ELEARN_JOB_QUEUE", "elearn"),
        "JOB_RETRY_DELAYS": _seconds_list("ELEARN_JOB_RETRY_DELAYS", (30, 120, 600)),
        # Email (mail/outbox.py): without MAIL_URL it is logged and kept in the outbox.
        "MAIL_URL": _mail_url(os.environ.get("MAIL_URL")),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "elearn <no-reply@localhost>",
        # Where links in email point: the address people open elearn at.
        # Webhooks to loopback and private addresses, and over plain http (tests, intranets).
        "WEBHOOK_ALLOW_PRIVATE": os.environ.get("WEBHOOK_ALLOW_PRIVATE", "") in ("1", "true", "yes"),
        "BASE_URL": (os.environ.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # A CDN origin static files are addressed at (web/static_files.py); unset: this app.
        "STATIC_URL_BASE": (os.environ.get("STATIC_URL_BASE") or "").rstrip("/") or None,
        # xAPI (xapi/): statements go to this LRS when set, with XAPI_LRS_AUTH ("user:password",
        # or a whole "Bearer ..." header value); the actor is the account or the mbox.
        "XAPI_LRS_URL": os.environ.get("XAPI_LRS_URL") or None,
        "XAPI_LRS_AUTH": os.environ.get("XAPI_LRS_AUTH") or None,
        "XAPI_ACTOR": _choice("XAPI_ACTOR", ("account", "mbox")),
        "XAPI_BATCH_SIZE": int(os.environ.get("XAPI_BATCH_SIZE", "100")),
        "XAPI_FORWARD_EVERY": int(os.environ.get("XAPI_FORWARD_EVERY", "10")),
        "XAPI_RETRY_DELAYS": _seconds_list("XAPI_RETRY_DELAYS", (30, 60, 300, 900, 3600)) or (3600,),
        "XAPI_KEEP_SENT_DAYS": int(os.environ.get("XAPI_KEEP_SENT_DAYS", "7")),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Uploaded files (storage/): where they live, and the largest of each kind, in MB.
        "STORAGE_URL": os.environ.get("STORAGE_URL") or "file:",
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "STORAGE_URL_EXPIRES": int(os.environ.get("STORAGE_URL_EXPIRES", "3600")),
        "UPLOAD_LIMITS": _upload_limits(os.environ.get("UPLOAD_LIMITS")),
        # CSV imports (imports/): the largest file, in bytes (about 400,000 rows).
        "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_BYTES", str(32 * 1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env == "production",
        # "Remember me" names the sign-in (revoked by signing out) and lasts a month.
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "JWT_SECRET_KEY": secret_key,
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(
            seconds=int(os.environ.get("JWT_EXPIRES_SECONDS", "3600"))
        ),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(
            seconds=int(os.environ.get("JWT_REFRESH_EXPIRES_SECONDS", str(30 * 86400)))
        ),
        # Headers only: a token in a URL ends up in access logs and browser history.
        "JWT_TOKEN_LOCATION": ["headers"],
        # Flask-Compress gzips JSON and HTML; streamed bodies (static files, CSV exports)
        # pass through: its stream wrapper leaves the underlying file unclosed.
        "COMPRESS_STREAMS": False,
        # Sign-in attempts are counted in Redis when there is one, so every worker agrees.
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        # ...under the deployment's channel, like its events and cache: two deployments (or
        # test runs) sharing one Redis must not spend each other's sign-in allowance.
        "RATELIMIT_KEY_PREFIX": os.environ.get("ELEARN_EVENT_CHANNEL", "elearn:events") + ":limits",
        # Redis down: count in this process's memory meanwhile, rather than not at all.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "COMPRESS_ALGORITHM": ["gzip", "deflate"],
    }


def _upload_limits(raw: str | None) -> dict[str, int]:
    """``video=200,audio=50,pdf=20,image=10`` (MB); kinds left out keep their default."""
    limits = {"video": 200, "audio": 50, "pdf": 20, "image": 10}
    for part in filter(None, (raw or "").split(",")):
        kind, _, size = part.partition("=")
        if kind.strip() not in limits or not size.strip().isdigit():
            raise RuntimeError(f"UPLOAD_LIMITS must look like video=200,audio=50,pdf=20,image=10, not {raw!r}")
        limits[kind.strip()] = int(size)
    return limits


def _choice(name: str, choices: tuple[str, ...]) -> str:
    """The variable's value among ``choices`` (the first when unset); anything else stops the start."""
    value = os.environ.get(name) or choices[0]
    if value not in choices:
        raise RuntimeError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _seconds_list(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Whole seconds, comma-separated ("30,120,600"); empty for no retries."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise RuntimeError(f"{name} must be whole seconds separated by commas, not {raw!r}")
    return tuple(int(part) for part in parts)


def _mail_url(url: str | None) -> str | None:
    """``MAIL_URL`` as given, refused at start when it cannot work (rather than at each email)."""
    if not url:
        return None
    parts = urlsplit(url)
    tls = parse_qs(parts.query).get("tls", ["starttls"])[0]
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or tls not in ("starttls", "ssl", "none"):
        raise RuntimeError("MAIL_URL must look like smtp://user:password@host:587?tls=starttls (tls: starttls, ssl "
                           "or none)")
    return url


def _engine_options(database_url: str) -> dict:
    """No ping before each checkout (a round trip on every request): a connection the
    database dropped fails its request with a 503, SQLAlchemy then discards every pooled
    connection of that age, and the next request gets a fresh one. On PostgreSQL the pool
    keeps ``DATABASE_POOL_SIZE`` connections per process (default 20) and opens at most
    ``DATABASE_MAX_OVERFLOW`` more under bursts (default 5)."""
    options = {"pool_pre_ping": False}
    if database_url.startswith("postgresql"):
        options["pool_size"] = _positive_int("DATABASE_POOL_SIZE", 20)
        options["max_overflow"] = _positive_int("DATABASE_MAX_OVERFLOW", 5, minimum=0)
    return options


def _prepared_statements() -> bool:
    raw = os.environ.get("DATABASE_PREPARED_STATEMENTS", "1").strip().lower()
    if raw not in ("0", "1", "true", "false", "yes", "no", ""):
        raise RuntimeError(f"DATABASE_PREPARED_STATEMENTS must be 1 or 0, not {raw!r}")
    return raw not in ("0", "false", "no")


def _positive_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise RuntimeError(f"{name} must be a whole number of at least {minimum}, not {raw!r}")
    return int(raw)
