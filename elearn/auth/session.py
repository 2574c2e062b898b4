"""Browser sessions (Flask-Login)."""
from ..extensions import db, login_manager
from .models import User

login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(user_id: str):
    """Runs on every request: a disabled account is signed out on its next click."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None
