"""Browser sessions (Flask-Login): the session and remember-me cookies name a sign-in."""
from flask_login import LoginManager

from ..cache import user_known
from . import sign_ins


def load_user(alternative_id: str):
    """Runs on every request: a revoked sign-in or a disabled account is signed out at once.
    ``s<sign-in>.<user>``, or ``s<sign-in>`` in a session from before users were named."""
    sign_in, _, user = alternative_id.removeprefix("s").partition(".")
    if not alternative_id.startswith("s") or not sign_in.isdigit() or not (user.isdigit() or user == ""):
        return None
    if user:
        user_known(int(user))  # what the view said it would read comes with the sign-in check
    return sign_ins.signed_in_user(int(sign_in), int(user) if user else None)


def init_sessions(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
