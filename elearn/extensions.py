"""Flask extensions, created unbound; ``create_app`` binds them."""
import time

import flask_jwt_extended
from flask_compress import Compress
from flask_jwt_extended.config import config as jwt_config
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Named constraints so migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



#: Indexes that each database spells its own way (PostgreSQL's ``DESC NULLS LAST``, ``INCLUDE``): their
#: migration creates them by hand, the models only name them, and a test checks they exist.
HAND_WRITTEN_INDEXES = {"ix_enrollments_course_recent", "ix_enrollments_course_recent_sqlite",
                        "ix_enrollments_course_unfinished"}


def autogenerate_includes(obj, name, type_, reflected, compare_to) -> bool:
    """What ``flask db migrate`` compares: everything but ``HAND_WRITTEN_INDEXES``."""
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)

class JWTManager(flask_jwt_extended.JWTManager):
    """Verifies each distinct access token once per process, not on every request.

    flask-jwt-extended decodes a token three times per request, and PyJWT checks every
    character of each part in Python: together a fifth of a cached API read. A token's
    signature and claims verify the same way every time under the same key, so what
    verified is remembered (``VERIFIED_TOKENS`` of them) and only its expiry is checked
    again; an expired token falls through to the full decode and its usual error. Whether
    the token's sign-in still holds is checked on every request, as before (``sign_ins``).
    """

    VERIFIED_TOKENS = 10_000

    def __init__(self, app=None):
        self._verified: dict[tuple[str, str], dict] = {}
        super().__init__(app)

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        key = (encoded_token, jwt_config.decode_key, tuple(jwt_config.decode_algorithms))
        claims = self._verified.get(key)
        if claims is not None and claims.get("exp", 0) > time.time():
            return dict(claims)
        claims = super()._decode_jwt_from_config(encoded_token)  # raises unless valid
        if len(self._verified) >= self.VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[key] = claims
        return dict(claims)


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(render_as_batch=True, compare_type=True, include_object=autogenerate_includes)
login_manager = LoginManager()
jwt = JWTManager()
csrf = CSRFProtect()
compress = Compress()
sock = Sock()
# No default limits: only sign-in endpoints are limited (auth/rate_limits.py).
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite ignores foreign keys unless asked; WAL lets readers run beside a writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
