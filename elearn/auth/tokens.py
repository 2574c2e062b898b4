"""API tokens: a short-lived access token and a rotating refresh token per API sign-in.

Both are JWTs naming the user (``sub``) and the sign-in (``sid``). Every request looks
the sign-in up, so a token stops working the moment its sign-in is revoked (sign-out,
sign-out everywhere, a password change, deactivation), and role changes apply at once.
Tokens are read from the ``Authorization`` header only; the script WebSocket, which
browsers cannot give headers, reads ``?token=`` itself.
"""
from flask import current_app
from flask_babel import gettext
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token, decode_token

from ..cache import user_known
from ..schemas import id_in
from ..web.errors import json_error
from . import sign_ins
from .models import User


def issue_tokens(user: User, sign_in_id: int, refresh_jti: str) -> dict:
    """An access token, and the refresh token whose id the sign-in holds now."""
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    claims = {"sid": sign_in_id}
    access = create_access_token(identity=str(user.id), additional_claims={**claims, "role": user.role})
    refresh = create_refresh_token(identity=str(user.id), additional_claims={**claims, "jti": refresh_jti})
    return {"access_token": access, "refresh_token": refresh, "expires_in": int(expires.total_seconds()),
            "user": user}


def _claims(token: str, kind: str) -> dict | None:
    try:
        claims = decode_token(token)
    except Exception:  # noqa: BLE001  (expired, forged, malformed: all simply refused)
        return None
    return claims if claims.get("type") == kind else None


def user_of_access_token(token: str) -> User | None:
    """The signed-in user of a raw access token (the script WebSocket), or None."""
    claims = _claims(token, "access")
    return _user_of_claims(claims) if claims else None


def refresh_token_owner(token: str) -> tuple[User, str] | None:
    """The signed-in user of a raw refresh token and the token's id, or None."""
    claims = _claims(token, "refresh")
    user = _user_of_claims(claims) if claims else None
    return (user, claims["jti"]) if user else None


def _user_of_claims(claims: dict) -> User | None:
    try:
        return sign_ins.signed_in_user(int(claims["sid"]), int(claims["sub"]))
    except (KeyError, TypeError, ValueError):
        return None  # a token from before sign-ins, or not one of ours


def _load_user(_header, payload):
    """The user of the request's own token (its view's cached reads come with the check)."""
    user_id = id_in(str(payload.get("sub", "")))
    if user_id is not None:
        user_known(user_id)
    return _user_of_claims(payload)


def _user_gone(_header, _payload):
    return json_error(401, "token_revoked", gettext("This token was revoked or its account disabled; sign in again."))


def _missing(reason):
    return json_error(401, "unauthenticated", "A bearer token is required.", {"reason": reason})


def _invalid(reason):
    return json_error(401, "invalid_token", gettext("The token is invalid."), {"reason": reason})


def _expired(_header, _payload):
    return json_error(401, "token_expired", gettext("The token has expired; refresh it or sign in again."))


def init_tokens(jwt: JWTManager) -> None:
    jwt.user_lookup_loader(_load_user)
    jwt.user_lookup_error_loader(_user_gone)
    jwt.unauthorized_loader(_missing)
    jwt.invalid_token_loader(_invalid)
    jwt.expired_token_loader(_expired)
