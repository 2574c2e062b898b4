"""JSON sign-in and user administration."""
from flask import url_for
from flask_jwt_extended import current_user

from ..web.json_api import JsonApi
from . import service
from .rate_limits import registration_limit, sign_in_limit
from .schemas import LoginIn, RegisterIn, TokenOut, UserCreateIn, UserOut, UserQuery, UserUpdateIn
from .tokens import issue_token

api = JsonApi("auth", __name__)


@api.operation("/auth/login", "POST", body=LoginIn, response=TokenOut, auth=False, errors=(401, 403, 429))
@sign_in_limit
def login(body: LoginIn):
    """Exchange email and password for a bearer token."""
    return issue_token(service.authenticate(body.email, body.password))


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


@api.operation("/users", "POST", body=UserCreateIn, response=UserOut, status=201, roles=("admin",), errors=(409,))
def create_user(body: UserCreateIn):
    """Create a user of any role."""
    user = service.create_user(body.email, body.password, body.name, role=body.role)
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
