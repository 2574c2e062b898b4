"""Limits on sign-in, password changes and registration, against password guessing and sign-up floods.

- An address may try one account 10 times a minute, and any accounts 50 times a minute.
- One account may be tried 30 times an hour from all addresses together, so guessing
  spread over many addresses is slowed too (the account's owner still signs in once the
  hour has passed; admins see the attempts in the audit log).
- A signed-in user may try to change their password 10 times an hour: a change needs the
  current password, so whoever holds a stolen session or token could otherwise guess it
  there without limit, and a right guess would sign the owner out everywhere.

The email is read from the posted form or JSON, whatever the request's content type says,
so a mislabelled body cannot dodge the per-account limits. The HTML form and the JSON
endpoint share the counters. Counters live in Redis when there is one; if Redis is down,
each process counts in memory instead of not counting.
"""
import json

from flask import request
from flask_jwt_extended import current_user as token_user
from flask_limiter.util import get_remote_address
from flask_login import current_user as session_user

from ..audit import service as audit
from ..extensions import limiter
from ..web.errors import wants_json

#: The most of a body read for its email (a sign-in body is small).
_BODY_LIMIT = 16 * 1024


def posted_email() -> str:
    """The ``email`` field of the posted form or JSON body, lower-cased; "" if none."""
    email = request.form.get("email") if request.form else None
    if email is None:
        raw = request.get_data(cache=True)[:_BODY_LIMIT]
        try:
            payload = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError, RecursionError):
            payload = None
        email = payload.get("email") if isinstance(payload, dict) else None
    return str(email or "").strip().lower()[:254]


def _address_and_email() -> str:
    return f"{get_remote_address()}|{posted_email()}"


def _limited(request_limit) -> None:
    audit.record_now("sign_in.limited", details={"email": posted_email(), "limit": str(request_limit.limit)})


_per_account_here = limiter.shared_limit("10 per minute", scope="sign-in-account", key_func=_address_and_email,
                                         methods=["POST"], on_breach=_limited)
_per_account = limiter.shared_limit("30 per hour", scope="sign-in-account-anywhere", key_func=posted_email,
                                    methods=["POST"], on_breach=_limited)
_per_address = limiter.shared_limit("50 per minute", scope="sign-in-address", methods=["POST"], on_breach=_limited)


def sign_in_limit(view):
    """Apply every sign-in limit; only POSTs count."""
    return _per_address(_per_account(_per_account_here(view)))


registration_limit = limiter.shared_limit("20 per hour", scope="register", methods=["POST"])

def _signed_in_user() -> str:
    """The user the view acts for, whose sign-in was checked before it: by the API's token
    under ``/api``, else by the browser's session."""
    return str((token_user if wants_json() else session_user).id)


password_change_limit = limiter.shared_limit("10 per hour", scope="password-change", key_func=_signed_in_user,
                                             methods=["POST"])
