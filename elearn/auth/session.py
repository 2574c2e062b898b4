"""Browser sessions (Flask-Login): the session and remember-me cookies name a sign-in."""
from flask_login import LoginManager

from . import sign_ins


def load_user(alternative_id: str):
    """Runs on every request: a revoked sign-in or a disabled account is signed out at once."""
    if not alternative_id.startswith("s") or not alternative_id[1:].isdigit():
        return None
    return sign_ins.signed_in_user(int(alternative_id[1:]))


def init_sessions(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
