"""API and form schemas for sign-in and user administration."""
from typing import Literal

from pydantic import EmailStr, Field, ValidationInfo, field_validator

from ..schemas import InSchema, OutSchema, PageQuery, Timestamp, if_sent
from .passwords import password_problem
from .time_zones import TimeZone

RoleName = Literal["student", "instructor", "admin"]
Password = Field(min_length=8, max_length=128)
Name = Field(min_length=1, max_length=120)


class LoginIn(InSchema):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class WelcomeIn(InSchema):
    """An invited person's first password (checked against their account in ``invitations.accept``)."""

    password: str = Password


class RegisterIn(InSchema):
    email: EmailStr = Field(max_length=254)
    name: str = Name
    password: str = Password  # after email and name: it is checked against them

    @field_validator("password")
    @classmethod
    def _acceptable(cls, value: str, info: ValidationInfo) -> str:
        problem = password_problem(value, info.data.get("email"), info.data.get("name"))
        if problem:
            raise ValueError(problem)
        return value


class UserCreateIn(RegisterIn):
    role: RoleName = "student"
    timezone: TimeZone = "UTC"


class UserUpdateIn(InSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    role: RoleName | None = None
    active: bool | None = None
    timezone: TimeZone | None = None


class AccountUpdateIn(InSchema):
    """The signed-in user's own settings; only the fields sent change."""

    timezone: TimeZone = if_sent(description="An IANA time zone, e.g. Europe/Berlin.")


class UserQuery(PageQuery):
    q: str | None = Field(None, max_length=254)
    role: RoleName | None = None


class UserOut(OutSchema):
    id: int
    email: str
    name: str
    role: str
    active: bool
    timezone: str
    created_at: Timestamp


class PasswordChangeIn(InSchema):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Password


class RefreshIn(InSchema):
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenOut(OutSchema):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user: UserOut
