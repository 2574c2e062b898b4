"""Every HTML form, posted hostile values: never a server error; a refused form comes back
with its errors.

The forms are found in the app's URL map (every non-API POST route), so a new form is
fuzzed without anyone adding it here. Each is posted every field name any form uses,
all holding the same hostile value: NUL characters, a huge text, a negative or
not-a-number, and bytes that are not UTF-8.
"""
import re

import pytest

from elearn.catalog import service as catalog
from elearn.db_types import utcnow
from elearn.imports import service as imports
from elearn.jobs.models import FailedJob
from elearn.messages import service as messages
from elearn.notifications.preferences import unsubscribe_token
from elearn.privacy import service as privacy
from elearn.tickets import service as tickets
from elearn.webhooks.models import WebhookEndpoint
from tests.conftest import CSRF_RE, Browser

FIELDS = ("email", "password", "name", "role", "active", "remember", "next", "title", "description", "price",
          "categoryId", "difficultyId", "thumbnailUrl", "published", "order", "type", "url", "subject", "body",
          "status", "currentPassword", "newPassword", "language", "messages", "inactivity", "streaks", "achievements",
          "digests", "secret", "events", "first_day", "last_day", "create_accounts",
          "completion_rule", "watch_percent")
HOSTILE = {
    "nul": "a\x00b",
    "huge": "x" * 300_000,
    "negative": "-99999999999999999999",
    "nan": "NaN",
}
#: Forms that end the admin's own session: posted last, in their own test.
SIGN_OUTS = {"auth.logout", "auth.sign_out_everywhere"}



@pytest.fixture(autouse=True)
def _webhooks_to_a_closed_port(app, monkeypatch):
    """Webhooks registered here point at a closed local port: deliveries fail at once."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


@pytest.fixture
def admin_browser(app, make, db):
    """An admin signed in, and a platform whose ids fill every form's URL."""
    admin = make.user("admin", email="root@example.com", name="Root")
    student = make.user(email="s@example.com")
    course = make.course(admin, modules=2)
    module = make.modules(course)[0]
    make.enroll(student, course)
    content = catalog.add_content(admin, module.id, title="Notes", type="article", url="https://example.com/n")
    ticket = tickets.open_ticket(admin, "Help", "Please")
    note = messages.send_message(make.user("admin"), subject="Hello", body="A note.", recipient_ids=[admin.id])
    job = FailedJob(task="elearn.analytics.at_risk.count_every_course", args=[], error="Timeout")
    hook = WebhookEndpoint(url="http://127.0.0.1:9/hook", secret="s" * 20, events=["course.created"],
                           paused_at=utcnow())  # sent nothing: the forms, not deliveries, are under test
    db.session.add_all([job, hook])
    db.session.commit()
    leaving = privacy.request_deletion(make.user(email="leaving@example.com"))
    upload = imports.keep_upload(admin, "a.csv", b"email,course\ns@example.com,1\n", False)
    db.session.commit()
    ids = {"request_id": leaving.id, "course_id": course.id, "module_id": module.id, "content_id": content.id,
           "ticket_id": ticket.id,
           "message_id": note.id, "job_id": job.id, "webhook_id": hook.id, "token": unsubscribe_token(student.id, "streaks"),
           "user_id": student.id, "direction": "down", "action": "complete", "upload_id": upload.id}
    browser = Browser(app.test_client())
    browser.login("root@example.com")
    return browser, ids


def _forms(app, ids):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint not in SIGN_OUTS:
            path = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
            yield rule.endpoint, path


def _assert_answered(response, endpoint):
    assert response.status_code < 500, f"{endpoint}: {response.status_code}"
    if response.status_code == 422 and response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert 'class="field-error"' in html or 'class="alert alert-error"' in html or "<h1>" in html, endpoint


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_every_form_survives_hostile_values(app, admin_browser, kind):
    browser, ids = admin_browser
    tried = 0
    for endpoint, path in _forms(app, ids):
        token = CSRF_RE.search(browser.client.get("/account").get_data(as_text=True)).group(1)
        response = browser.client.post(path, data={**{name: HOSTILE[kind] for name in FIELDS}, "csrf_token": token})
        _assert_answered(response, endpoint)
        tried += 1
    assert tried >= 19


def test_every_form_survives_bytes_that_are_not_utf8(app, admin_browser):
    browser, ids = admin_browser
    for endpoint, path in _forms(app, ids):
        token = CSRF_RE.search(browser.client.get("/account").get_data(as_text=True)).group(1)
        raw = "&".join(f"{name}=%FF%FE%00" for name in FIELDS) + f"&csrf_token={token}"
        response = browser.client.post(path, data=raw, content_type="application/x-www-form-urlencoded")
        _assert_answered(response, endpoint)


def test_the_refused_forms_come_back_with_their_errors(admin_browser):
    browser, ids = admin_browser
    for path, error_id in (("/teach/courses/new", "title-error"), ("/help/tickets", "subject-error"),
                           ("/admin/users", "new-email-error"), ("/account/password", "current-password-error")):
        response = browser.post(path, {name: HOSTILE["nul"] for name in FIELDS})
        assert response.status_code == 422 and f'id="{error_id}"' in response.get_data(as_text=True), path


@pytest.mark.parametrize("path", ["/logout", "/account/sign-out-everywhere"])
def test_sign_out_forms_survive_hostile_values_and_still_sign_out(admin_browser, path):
    browser, _ids = admin_browser
    response = browser.post(path, {name: HOSTILE["nul"] for name in FIELDS})
    assert response.status_code in (302, 303) and response.headers["Location"] == "/login"
    assert browser.client.get("/").status_code == 302
