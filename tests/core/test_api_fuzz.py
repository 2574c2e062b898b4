"""schemathesis against ``/api/openapi.json``, as a student, an instructor and an admin.

Every operation gets generated requests (valid and invalid) in each role: no answer may be a
server error, use an undocumented status or content type, break its documented schema, or
forget ``Allow`` on a 405; invalid input must be refused. Examples are bounded so the suite
stays quick, and derandomized, so a failure reproduces.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from sqlalchemy import select, update

from elearn.auth import sign_ins
from elearn.auth.models import User
from elearn.auth.tokens import issue_tokens
from elearn.extensions import db

ROLES = ("student", "instructor", "admin")
EXAMPLES = 10
#: Operations that end the caller's own sign-ins; their effects have tests of their own.
SIGN_OUTS = ("/api/auth/logout", "/api/auth/logout-all", "/api/auth/password")
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance,
          checks.allow_header_conformance, checks.negative_data_rejection]


@pytest.fixture
def api_schema(app, make):
    """The app's own document, served in-process, with a small platform to find things in."""
    people = {role: make.user(role, email=f"{role}@example.com") for role in ROLES}
    course = make.course(people["instructor"], modules=3)
    make.complete(make.enroll(people["student"], course), 1)
    app.config["TEST_UNLIMITED"] = True
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    app.config["TEST_UNLIMITED"] = False


def _fresh_token(role: str) -> str:
    """A new sign-in for the role's user, put back to its role and active first: an earlier
    operation may have demoted or disabled them."""
    email = f"{role}@example.com"
    db.session.execute(update(User).where(User.email == email).values(role=role, active=True))
    user = db.session.scalar(select(User).where(User.email == email))
    sign_in = sign_ins.start(user, "api")
    db.session.commit()
    return issue_tokens(user, sign_in.id, sign_in.refresh_jti)["access_token"]


def _promise_keeper(operation, headers: dict):
    """A Hypothesis test sending ``operation`` generated requests with ``headers``."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def keeps_its_promises(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    return keeps_its_promises


def _fuzz(api_schema, role: str) -> int:
    """Every operation but the sign-outs; returns how many were tried."""
    tried = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.path in SIGN_OUTS:
            continue
        _promise_keeper(operation, {"Authorization": f"Bearer {_fresh_token(role)}",
                                    "Accept-Encoding": "identity"})()
        tried += 1
    return tried


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_promises(api_schema, role):
    assert _fuzz(api_schema, role) >= 40  # every operation in the document
