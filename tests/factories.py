"""Rows for tests, built through the services where a rule applies."""
import itertools

from elearn.auth import service as accounts
from elearn.extensions import db

_numbers = itertools.count(1)


class Factory:
    def user(self, role="student", email=None, name=None, password="password123", active=True,
             timezone="UTC"):
        n = next(_numbers)
        user = accounts.create_user(email or f"{role}{n}@example.com", password,
                                    name or f"{role.title()} {n}", role=role)
        user.active = active
        user.timezone = timezone
        db.session.commit()
        return user
