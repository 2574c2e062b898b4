"""JSON sign-in and user administration."""
from flask import url_for
from flask_babel import gettext
from flask_jwt_extended import current_user

from ..errors import Unauthorized
from ..extensions import db
from ..web.json_api import JsonApi
from . import service, sign_ins
from .rate_limits import password_change_limit, registration_limit, sign_in_limit
from .schemas import (
    AccountUpdateIn,
    LoginIn,
    PasswordChangeIn,
    RefreshIn,
    RegisterIn,
    TokenOut,
    UserCreateIn,
    UserOut,
    UserQuery,
    UserUpdateIn,
)
from .tokens import issue_tokens, refresh_token_owner

api = JsonApi("auth", __name__)


@api.operation("/auth/login", "POST", body=LoginIn, response=TokenOut, auth=False, errors=(401, 403, 429))
@sign_in_limit
def login(body: LoginIn):
    """Exchange email and password for an access token and a refresh token (a new sign-in)."""
    user = service.authenticate(body.email, body.password)
    sign_in = sign_ins.start(user, "api")
    return issue_tokens(user, sign_in.id, sign_in.refresh_jti)


@api.operation("/auth/refresh", "POST", body=RefreshIn, response=TokenOut, auth=False, errors=(401,))
def refresh(body: RefreshIn):
    """Trade the refresh token for a new access token and a new refresh token; the old refresh
    token stops working, and presenting it again ends the sign-in."""
    owner = refresh_token_owner(body.refresh_token)
    if owner is None:
        raise Unauthorized(gettext("The refresh token is invalid, expired or revoked; sign in again."), code="invalid_token")
    user, presented = owner
    jti = sign_ins.rotate_refresh(user.sign_in_id, presented)
    if jti is None:
        db.session.commit()  # keep the revocation: this request is answered with an error
        raise Unauthorized(gettext("This refresh token was already used; the sign-in is ended. Sign in again."),
                           code="token_reused")
    return issue_tokens(user, user.sign_in_id, jti)


@api.operation("/auth/logout", "POST", status=204)
def logout():
    """End this sign-in: the access token presented (and its refresh token) stop working."""
    sign_ins.revoke(current_user.id, current_user.sign_in_id, "signed_out")


@api.operation("/auth/logout-all", "POST", status=204)
def logout_all():
    """End every session and token of the caller, this one included."""
    service.sign_out_everywhere(current_user)


@api.operation("/auth/password", "POST", body=PasswordChangeIn, status=204, errors=(422, 429))
@password_change_limit
def change_password(body: PasswordChangeIn):
    """Change the caller's password (the current one is required); every other session and
    token of the caller stops working."""
    service.change_password(current_user, body.current_password, body.new_password)


@api.operation("/auth/register", "POST", body=RegisterIn, response=UserOut, status=201, auth=False,
           errors=(409, 429))
@registration_limit
def register(body: RegisterIn):
    """Create a student account."""
    user = service.create_user(body.email, body.password, body.name, role="student")
    return user, {"Location": url_for("auth_api.get_user", user_id=user.id)}


@api.operation("/auth/me", response=UserOut)
def me():
    """The signed-in user."""
    return current_user


@api.operation("/auth/me", "PATCH", body=AccountUpdateIn, response=UserOut)
def update_me(body: AccountUpdateIn):
    """Change the signed-in user's own settings: their time zone, where their days (streaks,
    today's progress) begin."""
    return service.update_account(current_user, **body.model_dump(exclude_unset=True))


@api.operation("/users", "POST", body=UserCreateIn, response=UserOut, status=201, roles=("admin",), errors=(409,))
def create_user(body: UserCreateIn):
    """Create a user of any role."""
    user = service.create_user(body.email, body.password, body.name, role=body.role, actor_id=current_user.id,
                               timezone=body.timezone)
    return user, {"Location": url_for("auth_api.get_user", user_id=user.id)}


@api.operation("/users", query=UserQuery, response=UserOut, paginated=True, roles=("admin",))
def list_users(query: UserQuery):
    """Every user, searchable by email or name and filterable by role."""
    return service.list_users(query.q, query.role, query.page, query.per_page)


@api.operation("/users/<int:user_id>", response=UserOut, roles=("admin",), errors=(404,))
def get_user(user_id: int):
    """One user."""
    return service.get_user(user_id)


@api.operation("/users/<int:user_id>", "PATCH", body=UserUpdateIn, response=UserOut, roles=("admin",), errors=(404, 409))
def update_user(user_id: int, body: UserUpdateIn):
    """Rename, change role, set time zone, or (de)activate a user; deactivation ends their sessions and tokens at once."""
    return service.update_user(current_user, user_id, **body.model_dump(exclude_unset=True))
