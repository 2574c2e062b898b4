"""Limits on sign-in and registration, against password guessing and sign-up floods.

An address may try one account 10 times a minute and any accounts 50 times a minute.
The HTML form and the JSON endpoint share the counters.
"""
from flask import request
from flask_limiter.util import get_remote_address

from ..extensions import limiter


def _address_and_email() -> str:
    email = request.form.get("email") if request.form else None
    if email is None and request.is_json:
        payload = request.get_json(silent=True)
        email = payload.get("email") if isinstance(payload, dict) else None
    return f"{get_remote_address()}|{str(email or '').strip().lower()}"


_per_account = limiter.shared_limit("10 per minute", scope="sign-in-account", key_func=_address_and_email,
                                    methods=["POST"])
_per_address = limiter.shared_limit("50 per minute", scope="sign-in-address", methods=["POST"])


def sign_in_limit(view):
    """Apply both sign-in limits; only POSTs count."""
    return _per_address(_per_account(view))


registration_limit = limiter.shared_limit("20 per hour", scope="register", methods=["POST"])
