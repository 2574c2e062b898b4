"""API tokens: what a JWT carries and how a request's token becomes a user."""
from flask import current_app
from flask_jwt_extended import JWTManager, create_access_token

from ..extensions import db
from ..web.errors import json_error
from .models import User


def issue_token(user: User) -> dict:
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    token = create_access_token(identity=str(user.id), additional_claims={"role": user.role})
    return {"access_token": token, "expires_in": int(expires.total_seconds()), "user": user}


def _load_user(_header, payload):
    """Look the user up on every request, so a disabled account's tokens die at once
    and role changes apply without waiting for the token to expire."""
    try:
        user = db.session.get(User, int(payload["sub"]))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def _user_gone(_header, _payload):
    return json_error(401, "account_disabled", "This account is disabled or no longer exists.")


def _missing(reason):
    return json_error(401, "unauthenticated", "A bearer token is required.", {"reason": reason})


def _invalid(reason):
    return json_error(401, "invalid_token", "The token is invalid.", {"reason": reason})


def _expired(_header, _payload):
    return json_error(401, "token_expired", "The token has expired; sign in again.")


def init_tokens(jwt: JWTManager) -> None:
    jwt.user_lookup_loader(_load_user)
    jwt.user_lookup_error_loader(_user_gone)
    jwt.unauthorized_loader(_missing)
    jwt.invalid_token_loader(_invalid)
    jwt.expired_token_loader(_expired)
