"""What makes a new password acceptable (NIST SP 800-63B): long enough, not one of the
passwords attackers try first, and not the account's own email or name. No composition
rules: they make passwords harder to remember, not to guess."""
import functools

from flask_babel import gettext
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH, MAX_LENGTH = 8, 128


@functools.cache
def _common() -> frozenset[str]:
    """The 30,000 most common passwords of public breach lists (shipped with zxcvbn)."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str | None = None, name: str | None = None) -> str | None:
    """Why ``password`` may not be used, or None when it may."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return gettext("Use %(min)s to %(max)s characters.", min=MIN_LENGTH, max=MAX_LENGTH)
    folded = password.casefold()
    if folded in _common():
        return gettext("This is one of the most common passwords; choose another.")
    own = {(email or "").casefold(), (email or "").split("@")[0].casefold(), (name or "").casefold(),
           (name or "").replace(" ", "").casefold()}
    if folded in own - {""}:
        return gettext("Do not use your email or name as your password.")
    return None
