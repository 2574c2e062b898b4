"""Browser sessions (Flask-Login)."""
from flask_login import LoginManager

from ..extensions import db
from .models import User


def load_user(user_id: str):
    """Runs on every request: a disabled account is signed out on its next click."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def init_sessions(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
