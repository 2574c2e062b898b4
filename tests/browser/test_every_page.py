"""Every page, for every role, at desktop and phone widths: it fits, it reads as one
document, and axe-core finds nothing serious.

Screenshots of each land in tests/screenshots/<role>-<page>-<width>.png for a person to
look at.
"""
import pytest

from tests.browser.conftest import DEMO_PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.browser

#: Document checks axe does not make (or rates below serious): one h1, no skipped
#: heading levels, and nothing wider than the viewport.
OUTLINE = """() => {
  const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]
    .filter(h => h.offsetParent !== null || h.closest('details'))
    .map(h => Number(h.tagName[1]));
  const jumps = levels.filter((level, i) => i > 0 && level > levels[i - 1] + 1);
  return {h1: document.querySelectorAll('h1').length, jumps,
          levels, wider: document.documentElement.scrollWidth - window.innerWidth};
}"""


#: Pages whose markup is a vendored tool's, not ours: checked for fit, not for axe or outline.
#: The API reference is Swagger UI's own page.
THIRD_PARTY = {"/api/docs"}


def pages(ids):
    """(role, sign-in email, [(name, path)]) for every page a person reaches; a role ending in
    "-es" browses in Spanish."""
    course, enrollment = ids["course"], ids["enrollment"]
    return [
        ("visitor", None, [("login", "/login"), ("register", "/register"), ("catalog", "/courses"),
                           ("api-docs", "/api/docs"), ("not-found", "/no-such-page"),
                           ("unsubscribe", f"/unsubscribe/{ids['unsubscribe']}"),
                           ("welcome", f"/welcome/{ids['invitation']}")]),
        ("student", "john@example.com", [
            ("dashboard", "/"), ("catalog", "/courses"), ("course", f"/courses/{course}"),
            ("account", "/account"), ("help", "/help"), ("ticket", f"/help/tickets/{ids['ticket']}"),
            ("inbox", "/inbox"), ("message", f"/inbox/{ids['message']}"),
            ("notifications", "/account/notifications")]),
        ("new-student", "newcomer@example.com", [("dashboard", "/")]),
        ("instructor", "ada@example.com", [
            ("my-courses", "/teach"), ("course", f"/teach/courses/{course}"),
            ("students", f"/teach/courses/{course}/students"),
            ("student", f"/teach/courses/{course}/students/{enrollment}"),
            ("heatmap", f"/teach/courses/{course}/heatmap"),
            ("new-course", "/teach/courses/new"), ("edit-course", f"/teach/courses/{course}/edit"),
            ("empty-course", f"/teach/courses/{ids['empty_course']}"), ("account", "/account"),
            ("needs-attention", f"/teach/courses/{course}/at-risk"),
            ("messages", f"/teach/courses/{course}/messages"), ("notifications", "/account/notifications"),
            ("import", "/imports")]),
        ("student-es", "john@example.com", [("dashboard", "/"), ("course", f"/courses/{course}")]),
        ("admin", "admin@example.com", [
            ("platform", "/admin"), ("learners", "/admin/learners"), ("users", "/admin/users"),
            ("progress", "/admin/progress"), ("audit", "/admin/audit"), ("tickets", "/admin/tickets"),
            ("ticket", f"/help/tickets/{ids['ticket']}"), ("all-courses", "/courses"),
            ("messages", "/admin/messages"), ("outbox", "/admin/outbox"), ("webhooks", "/admin/webhooks"),
            ("webhook", f"/admin/webhooks/{ids['webhook']}"), ("deletion-requests", "/admin/deletion-requests"),
            ("xapi", "/admin/xapi"), ("import", "/imports"), ("import-preview", f"/imports/{ids['upload']}")]),
    ]


@pytest.fixture(scope="module")
def ids(live_app):
    """The demo's records the pages are about, and one ticket to open; an LRS that is down."""
    from elearn.auth import invitations
    from elearn.auth.service import create_user
    from elearn.db_types import utcnow
    from elearn.extensions import db
    from elearn.imports import service as imports
    from elearn.jobs.models import FailedJob
    from elearn.messages import service as messages
    from elearn.models import Course, Enrollment, User
    from elearn.notifications.preferences import unsubscribe_token
    from elearn.privacy.service import request_deletion
    from elearn.progress.models import ProgressEvent, XapiOutbox
    from elearn.tickets import service as tickets
    from elearn.webhooks.models import WebhookDelivery, WebhookEndpoint

    with live_app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(title="JavaScript Fundamentals"))
        john = db.session.scalar(db.select(User).filter_by(email="john@example.com"))
        enrollment = db.session.scalar(db.select(Enrollment).filter_by(course_id=course.id, user_id=john.id))
        empty = db.session.scalar(db.select(Course).filter_by(title="TypeScript in Depth"))
        ticket = tickets.open_ticket(john, "Where is the Async video?", "The page says it is loading.")
        create_user("newcomer@example.com", DEMO_PASSWORD, "Nia Newcomer")
        request_deletion(create_user("leaving@example.com", DEMO_PASSWORD, "Lee Leaving"))
        ada = db.session.scalar(db.select(User).filter_by(email="ada@example.com"))
        message = messages.send_message(ada, subject="Async next week", body="Watch the DOM video before Monday.",
                                        course_id=course.id, recipient_ids=[john.id])
        hook = WebhookEndpoint(url="https://hooks.example.com/elearn", secret="s" * 20,
                               events=["progress.updated", "course.created"], failing_since=utcnow(), paused_at=utcnow())
        db.session.add(hook)
        db.session.flush()
        db.session.add(WebhookDelivery(endpoint_id=hook.id, event_id="e" * 32, event_type="progress.updated", body="{}",
                                       status="failed", attempts=3, response_status=500, latency_ms=41,
                                       response_snippet="Internal Server Error"))
        db.session.add(FailedJob(task="elearn.mail.outbox.deliver", args=[{"emailId": 1}], attempts=4,
                                 error="Traceback (most recent call last):\nsmtplib.SMTPDataError: (451, 'Try again later')"))
        admin = db.session.scalar(db.select(User).filter_by(email="admin@example.com"))
        upload = imports.keep_upload(admin, "spring-term.csv", (
            "email,course,module,completed_at,name\n"
            f"john@example.com,{course.title},Async,2026-03-01,\n"
            f"maria.new@example.com,{course.title},,,Maria Nueva\n"
            "john@example.com,Cooking 101,,,\n"
            f"john@example.com,{course.title},Quantum Physics,2026-03-02,\n").encode(), True)
        invited = create_user("invited@example.com", DEMO_PASSWORD, "Ines Invited")
        invited.password_hash = invitations.INVITED_PASSWORD
        now = utcnow()
        first_event = db.session.scalar(db.select(ProgressEvent.id).order_by(ProgressEvent.id))
        db.session.add_all([
            XapiOutbox(source="event", source_id=first_event, user_id=john.id, queued_at=now, attempts=2,
                       next_attempt_at=now, last_error="ConnectionRefusedError: [Errno 111] Connection refused"),
            XapiOutbox(source="event", source_id=first_event, user_id=john.id, queued_at=now, attempts=1,
                       failed_at=now, last_error='409 {"detail":"Differing statements already exist with the same ID"}'),
            XapiOutbox(source="event", source_id=first_event, user_id=john.id, queued_at=now, attempts=1, sent_at=now)])
        db.session.commit()
        found = {"course": course.id, "enrollment": enrollment.id, "empty_course": empty.id,
                 "ticket": ticket.id, "message": message.id, "unsubscribe": unsubscribe_token(john.id, "streaks"),
                 "webhook": hook.id, "upload": upload.id, "invitation": invitations.invitation_token(invited.id, invited.email)}
    live_app.config["XAPI_LRS_URL"] = "http://127.0.0.1:9/xAPI/"
    yield found
    live_app.config["XAPI_LRS_URL"] = None


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_page_fits_and_passes_axe(live_server, ids, new_page, axe_source, viewport):
    failures = []
    for role, email, visits in pages(ids):
        page = new_page(viewport, checked=True, locale="es-ES" if role.endswith("-es") else "en-US")
        if email:
            sign_in(page, live_server, email, expect_path=None)
        for name, path in visits:
            page.goto(f"{live_server}{path}")
            page.wait_for_load_state("networkidle")
            screenshot(page, f"{role}-{name}-{viewport}")
            outline = page.evaluate(OUTLINE)
            if outline["wider"] > 0:
                failures.append(f"{role} {path}: {outline['wider']} px wider than the viewport")
            if path in THIRD_PARTY:
                continue
            if outline["h1"] != 1:
                failures.append(f"{role} {path}: {outline['h1']} h1 elements")
            if outline["jumps"]:
                failures.append(f"{role} {path}: heading levels jump {outline['levels']}")
            page.add_script_tag(content=axe_source)
            found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                                  ".filter(v => ['serious', 'critical'].includes(v.impact))"
                                  ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))")
            failures.extend(f"{role} {path}: {violation}" for violation in found)
    assert not failures, "\n".join(failures)
