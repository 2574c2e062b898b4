"""Who may use which route: every route of the URL map, tried by every persona.

The routes come from ``app.url_map``, so a new route is tried without anyone adding a test
for it, and a route missing from ``RULES`` (or a rule naming a route that is gone) fails
``test_every_route_has_a_rule``: whoever adds a route decides who may use it.

The personas, each in its own test on a platform built for it:

- anonymous: no session, no token;
- student: Sam, enrolled in Ada's course with one module done, owner of a support ticket;
- other_student: Kim, enrolled in Bob's course and in Dan's, with a ticket of her own;
- instructor: Ada, who teaches the course Sam takes;
- other_instructor: Bob, who teaches his own courses;
- demoted: Dan, who taught a course Kim takes and is now a student (signed in while still
  an instructor, so a session or token from before the change is tried);
- disabled: a student whose session and token were taken before the account was disabled;
- admin.

Every persona is shown the same objects (the path's ids): Ada's course, its modules and
content, Sam's enrollment, progress record and ticket, Sam himself as ``user_id``, all of
them someone else's for most personas. The demoted instructor is shown the same kinds of
object in the course he used to teach (Kim's enrollment and record there). Routes that
delete their objects are given a spare course of that instructor for each try (and those
deciding on a deletion request a spare student's request).

A persona the rule lets through must get a 2xx (a page: 2xx, or a redirect that is not to
the sign-in page); anyone else is refused: on the API 401 without a live sign-in and 403
or 404 with one; on pages a redirect to /login (204 with ``HX-Redirect`` under htmx)
without one and 403 or 404 with one. A refused request that could write must leave every
row of every table as it was. Each persona's test tries every route and then reports every
mismatch at once, naming route, method, persona, what was expected and what came back.
"""
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import current_app
from sqlalchemy import inspect, select, text, update

from elearn.auth import invitations
from elearn.auth import service as accounts
from elearn.auth.models import User
from elearn.catalog import service as catalog
from elearn.catalog.models import Course
from elearn.db_types import utcnow
from elearn.imports import service as imports
from elearn.jobs.models import FailedJob
from elearn.messages import service as messages
from elearn.notifications.preferences import unsubscribe_token
from elearn.privacy import service as privacy
from elearn.progress.models import Progress
from elearn.tickets import service as tickets
from elearn.webhooks.models import WebhookEndpoint
from tests.conftest import CSRF_RE, Browser

PERSONAS = ("anonymous", "student", "other_student", "instructor", "other_instructor", "demoted", "disabled",
            "admin")
#: Personas without a live sign-in: the API says 401, pages send them to /login.
SIGNED_OUT = {"anonymous", "disabled"}

ANYONE = frozenset(PERSONAS)
SIGNED_IN = ANYONE - SIGNED_OUT
ADMIN = frozenset({"admin"})
#: Users whose role is instructor or admin (the demoted instructor is not one any more).
STAFF = frozenset({"instructor", "other_instructor", "admin"})
#: The course's instructor, and admins.
TEACHES = frozenset({"instructor", "admin"})
#: The student who owns the enrollment, progress record, ticket (and is ``user_id``).
OWNER = frozenset({"student"})
OWNER_OR_ADMIN = frozenset({"student", "admin"})
#: Who reads an enrollment's progress: its learner, the course's instructor, admins.
READERS = frozenset({"student", "instructor", "admin"})
#: Users whose role is student: anyone of them enrolls in a published course.
LEARNERS = frozenset({"student", "other_student", "demoted"})

EMAILS = {"student": "sam@example.com", "other_student": "kim@example.com", "instructor": "ada@example.com",
          "other_instructor": "bob@example.com", "demoted": "dan@example.com", "disabled": "dis@example.com",
          "admin": "root@example.com"}
#: An account nobody plays: the public sign-in routes sign it in.
VISITOR = "vic@example.com"
PASSWORD = "password123"
NEW_PASSWORD = "a-much-better-passphrase"

_numbers = itertools.count(1)


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


_PNG = _png()


def _new_account(role: str | None = None) -> Callable:
    """A body for a route that creates an account: a new email each time."""
    def body(_run):
        values = {"email": f"new{next(_numbers)}@example.com", "name": "New Learner", "password": NEW_PASSWORD}
        return {**values, "role": role} if role else values
    return body


@dataclass
class Rule:
    """Who may use one route (method and rule), and how to call it."""

    allowed: frozenset
    #: JSON for /api routes, form fields for pages; a callable gets the ``Run``.
    body: dict | Callable | None = None
    #: A query string, formatted with the ids.
    query: str = ""
    #: Path parameters filled from another id than their own name.
    params: dict = field(default_factory=dict)
    #: Answers that are deliberate but neither "let through" nor a refusal of access.
    expect: dict = field(default_factory=dict)
    #: Deletes the objects it names: each try gets a spare course of the same instructor.
    spare: bool = False
    #: "signs_out": ends the sign-in it is called with; "password": changes the password.
    #: Both are tried last, each with a sign-in of its own.
    ends: str | None = None


def _enroll_sam(run) -> dict:
    return {"courseId": run.ids["open_course_id"], "userId": run.ids["user_id"]}


RULES: dict[tuple[str, str], Rule] = {
    # --- public ------------------------------------------------------------------------------
    ("GET", "/healthz"): Rule(ANYONE),
    ("GET", "/readyz"): Rule(ANYONE),
    ("GET", "/api/openapi.json"): Rule(ANYONE),
    ("GET", "/api/docs"): Rule(ANYONE),
    ("GET", "/login"): Rule(ANYONE),
    ("POST", "/login"): Rule(ANYONE, {"email": VISITOR, "password": PASSWORD}),
    ("GET", "/register"): Rule(ANYONE),
    ("POST", "/register"): Rule(ANYONE, _new_account()),
    ("POST", "/api/auth/login"): Rule(ANYONE, {"email": VISITOR, "password": PASSWORD}),
    ("POST", "/api/auth/register"): Rule(ANYONE, _new_account()),
    ("POST", "/api/auth/refresh"): Rule(ANYONE, lambda run: {"refreshToken": run.visitor_refresh_token()}),
    ("POST", "/logout"): Rule(ANYONE, ends="signs_out"),
    ("POST", "/language"): Rule(ANYONE, {"lang": "es", "next": "/"}),
    # --- one's own account -----------------------------------------------------------------------
    ("GET", "/"): Rule(SIGNED_IN),
    ("GET", "/account"): Rule(SIGNED_IN),
    ("POST", "/account/password"): Rule(SIGNED_IN, {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
                                        ends="password"),
    ("POST", "/account/sign-out-everywhere"): Rule(SIGNED_IN, ends="signs_out"),
    ("GET", "/api/auth/me"): Rule(SIGNED_IN),
    ("PATCH", "/api/auth/me"): Rule(SIGNED_IN, {"timezone": "Europe/Berlin"}),
    ("POST", "/account/timezone"): Rule(SIGNED_IN, {"timezone": "Europe/Berlin"}),
    ("POST", "/api/auth/logout"): Rule(SIGNED_IN, ends="signs_out"),
    ("POST", "/api/auth/logout-all"): Rule(SIGNED_IN, ends="signs_out"),
    ("POST", "/api/auth/password"): Rule(SIGNED_IN, {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
                                         ends="password"),
    # --- users and the audit log: admins --------------------------------------------------------
    ("GET", "/admin"): Rule(ADMIN),
    ("GET", "/admin/audit"): Rule(ADMIN),
    ("GET", "/admin/courses"): Rule(ADMIN),
    ("GET", "/admin/learners"): Rule(ADMIN),
    ("GET", "/admin/progress"): Rule(ADMIN),
    ("GET", "/admin/users"): Rule(ADMIN),
    ("POST", "/admin/users"): Rule(ADMIN, _new_account("student")),
    ("POST", "/admin/users/<int:user_id>"): Rule(ADMIN, {"name": "Sam Renamed"}),
    ("GET", "/api/users"): Rule(ADMIN),
    ("POST", "/api/users"): Rule(ADMIN, _new_account("student")),
    ("GET", "/api/users/<int:user_id>"): Rule(ADMIN),
    ("PATCH", "/api/users/<int:user_id>"): Rule(ADMIN, {"name": "Sam Renamed"}),
    ("GET", "/api/audit"): Rule(ADMIN),
    # --- the catalog -------------------------------------------------------------------------------
    ("GET", "/courses"): Rule(SIGNED_IN),
    ("GET", "/courses/<int:course_id>"): Rule(SIGNED_IN),  # published: every signed-in user reads it
    ("GET", "/api/categories"): Rule(SIGNED_IN),
    ("GET", "/api/difficulties"): Rule(SIGNED_IN),
    ("GET", "/api/courses"): Rule(SIGNED_IN),
    ("GET", "/api/courses/<int:course_id>"): Rule(SIGNED_IN),
    # --- authoring: instructors create; the course's instructor and admins change ----------------
    ("POST", "/api/courses"): Rule(STAFF, {"title": "A new course"}),
    ("PATCH", "/api/courses/<int:course_id>"): Rule(TEACHES, {"title": "Renamed course"}),
    ("DELETE", "/api/courses/<int:course_id>"): Rule(TEACHES, spare=True),
    ("POST", "/api/courses/<int:course_id>/modules"): Rule(TEACHES, {"title": "An extra module"}),
    ("PATCH", "/api/modules/<int:module_id>"): Rule(TEACHES, {"title": "Renamed module"}),
    ("DELETE", "/api/modules/<int:module_id>"): Rule(TEACHES, spare=True),
    ("POST", "/api/modules/<int:module_id>/contents"): Rule(
        TEACHES, {"title": "Slides", "type": "link", "url": "https://example.com/slides"}),
    ("DELETE", "/api/contents/<int:content_id>"): Rule(TEACHES, spare=True),
    ("GET", "/teach/courses/new"): Rule(STAFF),
    ("POST", "/teach/courses/new"): Rule(STAFF, {"title": "A new course", "price": "0"}),
    ("GET", "/teach/courses/<int:course_id>/edit"): Rule(TEACHES),
    ("POST", "/teach/courses/<int:course_id>/edit"): Rule(
        TEACHES, {"title": "Renamed course", "description": "", "price": "0", "published": "on"}),
    ("POST", "/teach/courses/<int:course_id>/delete"): Rule(TEACHES, spare=True),
    ("POST", "/teach/courses/<int:course_id>/modules"): Rule(TEACHES, {"title": "An extra module"}),
    ("POST", "/teach/modules/<int:module_id>"): Rule(TEACHES, {"title": "Renamed module"}),
    ("POST", "/teach/modules/<int:module_id>/move/<any(up, down):direction>"): Rule(TEACHES),
    ("POST", "/teach/modules/<int:module_id>/delete"): Rule(TEACHES, spare=True),
    ("POST", "/teach/modules/<int:module_id>/contents"): Rule(
        TEACHES, {"title": "Slides", "type": "link", "url": "https://example.com/slides"}),
    ("POST", "/teach/contents/<int:content_id>/delete"): Rule(TEACHES, spare=True),
    ("POST", "/teach/lessons/preview"): Rule(STAFF, {"body": "# A lesson"}),
    ("POST", "/teach/courses/<int:course_id>/thumbnail"): Rule(TEACHES, lambda run: {
        "file": (io.BytesIO(_PNG), "poster.png")}),
    # Without a file: 422 once past access.
    ("PUT", "/api/courses/<int:course_id>/thumbnail"): Rule(TEACHES, expect={"instructor": 422, "admin": 422}),
    # A stored file's signed address (a page gave it) is its permission: whoever has it may fetch
    # the file until it expires (without it, 403: tests/content/test_uploads.py).
    ("GET", "/media/<key>"): Rule(ANYONE, params={"key": "media_key"}, query="{media_query}"),
    # --- a course's analytics and students: its instructor, admins -----------------------------
    ("GET", "/teach"): Rule(STAFF),
    ("GET", "/teach/courses/<int:course_id>"): Rule(TEACHES),
    ("GET", "/teach/courses/<int:course_id>/heatmap"): Rule(TEACHES),
    ("GET", "/teach/courses/<int:course_id>/students"): Rule(TEACHES),
    ("GET", "/teach/courses/<int:course_id>/students.csv"): Rule(TEACHES),
    ("GET", "/teach/courses/<int:course_id>/students/<int:enrollment_id>"): Rule(TEACHES),
    ("GET", "/api/analytics/courses/<int:course_id>"): Rule(TEACHES),
    ("GET", "/api/analytics/courses/<int:course_id>/students"): Rule(TEACHES),
    ("GET", "/api/analytics/courses/<int:course_id>/students.csv"): Rule(TEACHES),
    ("GET", "/api/analytics/courses/<int:course_id>/at-risk"): Rule(TEACHES),
    ("GET", "/teach/courses/<int:course_id>/at-risk"): Rule(TEACHES),
    ("POST", "/api/progress/heartbeat"): Rule(OWNER, lambda run: {"enrollmentId": run.ids["enrollment_id"],
                                                                  "moduleId": run.ids["module_id"]}),
    ("POST", "/courses/<int:course_id>/modules/<int:module_id>/heartbeat"): Rule(OWNER),
    # What a learner opened or played: their own enrollment only. The page route takes the
    # page's JSON, so the matrix's form post is, once past access, a 422.
    ("POST", "/api/contents/<int:content_id>/views"): Rule(OWNER, lambda run: {
        "enrollmentId": run.ids["enrollment_id"], "playedRanges": [[0, 5]], "duration": 60}),
    ("POST", "/courses/<int:course_id>/contents/<int:content_id>/views"): Rule(OWNER, expect={"student": 422}),
    ("GET", "/api/analytics/platform"): Rule(ADMIN),
    ("GET", "/api/analytics/retention"): Rule(ADMIN),
    ("GET", "/api/analytics/learning-patterns"): Rule(ADMIN),
    # --- enrollments: a student enrolls themself, an admin enrolls any student ------------------
    ("POST", "/api/enrollments"): Rule(OWNER_OR_ADMIN, _enroll_sam),  # Sam into a course he has not taken
    ("GET", "/api/enrollments"): Rule(OWNER_OR_ADMIN, query="?userId={user_id}"),  # Sam's enrollments
    # The Enroll button enrolls whoever presses it; an admin is not a learner, and is told so (422).
    ("POST", "/courses/<int:course_id>/enroll"): Rule(LEARNERS, params={"course_id": "open_page_course_id"},
                                                      expect={"admin": 422}),
    # --- progress: its learner writes; the learner, the course's instructor and admins read --------
    ("POST", "/api/progress"): Rule(OWNER, lambda run: {"enrollmentId": run.ids["enrollment_id"],
                                                        "moduleId": run.ids["untouched_module_id"]}),
    ("PATCH", "/api/progress/<int:progress_id>"): Rule(OWNER, {"completed": False}),
    ("POST", "/api/progress/bulk"): Rule(OWNER, lambda run: {"items": [
        {"enrollmentId": run.ids["enrollment_id"], "moduleId": run.ids["module_id"], "completed": True}]}),
    ("POST", "/api/progress/mark-completed/<int:enrollment_id>/<int:module_id>"): Rule(OWNER),
    ("POST", "/courses/<int:course_id>/modules/<int:module_id>/<any(start, complete, undo):action>"): Rule(OWNER),
    ("GET", "/api/progress/enrollment/<int:enrollment_id>"): Rule(READERS),
    ("GET", "/api/progress/course/<int:enrollment_id>"): Rule(READERS),
    ("GET", "/api/progress/courses"): Rule(READERS, query="?ids={enrollment_id}"),
    ("GET", "/api/progress"): Rule(ADMIN),
    ("GET", "/api/progress/my-progress"): Rule(SIGNED_IN),
    ("GET", "/api/progress/overall"): Rule(SIGNED_IN),
    ("GET", "/api/achievements"): Rule(SIGNED_IN),
    # --- support tickets: anyone opens one; its owner and admins follow it; admins close it ------
    ("GET", "/help"): Rule(SIGNED_IN),
    ("POST", "/help/tickets"): Rule(SIGNED_IN, {"subject": "A question", "body": "How do I start?"}),
    # --- messages: instructors write to their courses' learners; only a recipient reads or replies
    ("GET", "/inbox"): Rule(SIGNED_IN),
    ("GET", "/inbox/<int:message_id>"): Rule(OWNER),
    ("POST", "/inbox/<int:message_id>/reply"): Rule(OWNER, {"body": "Thank you."}),
    ("GET", "/teach/courses/<int:course_id>/messages"): Rule(TEACHES),
    ("POST", "/teach/courses/<int:course_id>/messages"): Rule(TEACHES, {"subject": "Hi", "body": "Hello",
                                                                         "audience": "all"}),
    ("GET", "/admin/messages"): Rule(ADMIN),
    ("POST", "/admin/messages"): Rule(ADMIN, {"subject": "Maintenance", "body": "Sunday.", "audience": "students"}),
    ("GET", "/api/messages"): Rule(SIGNED_IN),
    # --- notifications: one's own choices; an unsubscribe link works for whoever holds it
    ("GET", "/account/notifications"): Rule(SIGNED_IN),
    ("POST", "/account/notifications"): Rule(SIGNED_IN, {"messages": "on", "language": "es"}),
    ("GET", "/api/notifications/preferences"): Rule(SIGNED_IN),
    ("PATCH", "/api/notifications/preferences"): Rule(SIGNED_IN, {"streaks": False}),
    ("GET", "/unsubscribe/<token>"): Rule(ANYONE),
    ("POST", "/unsubscribe/<token>"): Rule(ANYONE),
    # --- webhooks: admins
    ("GET", "/admin/webhooks"): Rule(ADMIN),
    ("POST", "/admin/webhooks"): Rule(ADMIN, {"url": "http://127.0.0.1:9/hook", "secret": "s" * 20,
                                              "events": "course.created"}),
    ("GET", "/admin/webhooks/<int:webhook_id>"): Rule(ADMIN),
    ("POST", "/admin/webhooks/<int:webhook_id>/resume"): Rule(ADMIN),
    ("POST", "/admin/webhooks/<int:webhook_id>/delete"): Rule(ADMIN, spare=True),
    ("POST", "/api/webhooks"): Rule(ADMIN, {"url": "http://127.0.0.1:9/hook", "secret": "s" * 20,
                                            "events": ["course.created"]}),
    ("GET", "/api/webhooks"): Rule(ADMIN),
    ("DELETE", "/api/webhooks/<int:webhook_id>"): Rule(ADMIN, spare=True),
    ("POST", "/api/webhooks/<int:webhook_id>/resume"): Rule(ADMIN),
    ("GET", "/api/webhooks/<int:webhook_id>/deliveries"): Rule(ADMIN),
    # --- the outbox and failed jobs: admins
    ("GET", "/admin/outbox"): Rule(ADMIN),
    ("POST", "/admin/failed-jobs/<int:job_id>/retry"): Rule(ADMIN, spare=True),
    ("POST", "/admin/failed-jobs/<int:job_id>/discard"): Rule(ADMIN, spare=True),
    ("GET", "/api/admin/outbox"): Rule(ADMIN),
    ("GET", "/api/admin/failed-jobs"): Rule(ADMIN),
    ("POST", "/api/admin/failed-jobs/<int:job_id>/retry"): Rule(ADMIN, spare=True),
    ("DELETE", "/api/admin/failed-jobs/<int:job_id>"): Rule(ADMIN, spare=True),
    ("POST", "/api/messages"): Rule(TEACHES, lambda run: {"courseId": run.ids["course_id"], "filter": "all",
                                                           "subject": "Hi", "body": "Hello"}),
    ("GET", "/api/messages/<int:message_id>"): Rule(OWNER),
    ("POST", "/api/messages/<int:message_id>/replies"): Rule(OWNER, {"body": "Thank you."}),
    ("GET", "/help/tickets/<int:ticket_id>"): Rule(OWNER_OR_ADMIN),
    ("POST", "/help/tickets/<int:ticket_id>/replies"): Rule(OWNER_OR_ADMIN, {"body": "Any news?"}),
    ("POST", "/help/tickets/<int:ticket_id>/status"): Rule(ADMIN, {"status": "closed"}),
    ("GET", "/admin/tickets"): Rule(ADMIN),
    ("GET", "/api/tickets"): Rule(SIGNED_IN),
    ("POST", "/api/tickets"): Rule(SIGNED_IN, {"subject": "A question", "body": "How do I start?"}),
    ("GET", "/api/tickets/<int:ticket_id>"): Rule(OWNER_OR_ADMIN),
    ("PATCH", "/api/tickets/<int:ticket_id>"): Rule(ADMIN, {"status": "closed"}),
    ("POST", "/api/tickets/<int:ticket_id>/replies"): Rule(OWNER_OR_ADMIN, {"body": "Any news?"}),
    # --- one's own data and deletion request (an admin's account is refused: 422); admins decide
    ("GET", "/account/export"): Rule(SIGNED_IN),
    ("GET", "/api/me/export"): Rule(SIGNED_IN),
    ("POST", "/account/deletion-request"): Rule(SIGNED_IN, expect={"admin": 422}),
    ("POST", "/account/deletion-request/cancel"): Rule(SIGNED_IN),
    ("POST", "/api/me/deletion-request"): Rule(SIGNED_IN, expect={"admin": 422}),
    ("DELETE", "/api/me/deletion-request"): Rule(SIGNED_IN),
    ("GET", "/admin/deletion-requests"): Rule(ADMIN),
    ("POST", "/admin/deletion-requests/<int:request_id>/confirm"): Rule(ADMIN, spare=True),
    ("POST", "/admin/deletion-requests/<int:request_id>/reject"): Rule(ADMIN, spare=True),
    ("GET", "/api/admin/deletion-requests"): Rule(ADMIN),
    ("POST", "/api/admin/deletion-requests/<int:request_id>/confirm"): Rule(ADMIN, spare=True),
    ("POST", "/api/admin/deletion-requests/<int:request_id>/reject"): Rule(ADMIN, spare=True),
    # --- warehouse exports: admins
    ("GET", "/api/exports/progress.csv"): Rule(ADMIN),
    ("GET", "/api/exports/events.ndjson"): Rule(ADMIN),
    # --- xAPI: statements by reader; the forwarding, admins
    ("GET", "/api/xapi/statements"): Rule(SIGNED_IN),
    ("GET", "/admin/xapi"): Rule(ADMIN),
    ("POST", "/admin/xapi/replay"): Rule(ADMIN, {"first_day": "2026-01-01", "last_day": "2026-01-02"}),
    ("POST", "/admin/xapi/send-now"): Rule(ADMIN),
    ("GET", "/api/admin/xapi"): Rule(ADMIN),
    ("GET", "/api/admin/xapi/refused"): Rule(ADMIN),
    ("POST", "/api/admin/xapi/replay"): Rule(ADMIN, {"since": "2026-01-01T00:00:00+00:00",
                                                    "until": "2026-01-02T00:00:00+00:00"}),
    ("POST", "/api/admin/xapi/send-now"): Rule(ADMIN),
    # --- imports: admins and instructors; an upload is its uploader's only
    ("GET", "/imports"): Rule(STAFF),
    ("POST", "/imports"): Rule(STAFF, lambda run: {"file": (io.BytesIO(b"email,course\nsam@example.com,1\n"), "a.csv")}),
    ("GET", "/imports/<int:upload_id>"): Rule(frozenset({"instructor"})),
    ("POST", "/imports/<int:upload_id>/apply"): Rule(frozenset({"instructor"}), spare=True),
    ("POST", "/imports/<int:upload_id>/discard"): Rule(frozenset({"instructor"}), spare=True),
    # Without a file: 422 once past the role check.
    ("POST", "/api/imports"): Rule(STAFF, expect={persona: 422 for persona in STAFF}),
    # --- an invitation's link works for whoever holds it; the signed-in go to their dashboard
    ("GET", "/welcome/<token>"): Rule(ANYONE, params={"token": "invitation_token"}),
    ("POST", "/welcome/<token>"): Rule(ANYONE, {"password": NEW_PASSWORD}, params={"token": "invitation_token"},
                                       spare=True),
}

#: The routes ending a sign-in or changing the password run last, in this order.
ENDS_ORDER = ("/logout", "/api/auth/logout", "/account/password", "/api/auth/password",
              "/account/sign-out-everywhere", "/api/auth/logout-all")
_PARAM = re.compile(r"<(?:[^:>]+:)?(\w+)>")


def url_map_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every HTTP route: no static files, no WebSockets, no HEAD/OPTIONS."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or getattr(rule, "websocket", False):
            continue
        routes.update((method, rule.rule) for method in rule.methods - {"HEAD", "OPTIONS"})
    return sorted(routes, key=_order)


def _order(route: tuple[str, str]) -> tuple:
    """Every other route first; then those ending sign-ins, in ``ENDS_ORDER``."""
    method, rule = route
    return (ENDS_ORDER.index(rule) + 1 if rule in ENDS_ORDER else 0, rule, method)


def is_api(rule: str) -> bool:
    return rule.startswith("/api/")


# --- the platform ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _webhooks_to_a_closed_port(app, monkeypatch):
    """Webhooks registered here, and the LRS, are a closed local port: deliveries fail at once."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", "http://127.0.0.1:9/xAPI/")


class Platform:
    """Everyone's objects. ``ids`` fill the paths; the demoted instructor gets his old course's."""

    def __init__(self, make, db):
        self.make, self.db = make, db
        users = {persona: make.user(role, email=EMAILS[persona]) for persona, role in (
            ("admin", "admin"), ("instructor", "instructor"), ("other_instructor", "instructor"),
            ("demoted", "instructor"), ("student", "student"), ("other_student", "student"),
            ("disabled", "student"))}
        make.user(email=VISITOR)
        self.user_ids = {persona: user.id for persona, user in users.items()}
        ada, bob, dan = users["instructor"], users["other_instructor"], users["demoted"]
        sam, kim = users["student"], users["other_student"]

        course = make.course(ada, modules=3)
        theirs = make.course(bob, modules=2)
        former = make.course(dan, modules=3)
        open_api_course, open_page_course = make.course(bob, modules=1), make.course(bob, modules=1)
        sam_enrollment = make.complete(make.enroll(sam, course), 1)
        make.complete(make.enroll(kim, theirs), 1)
        kim_former = make.complete(make.enroll(kim, former), 1)
        make.enroll(users["disabled"], course)
        ticket = tickets.open_ticket(sam, "Stuck", "Module 2 does not load.")
        note = messages.send_message(ada, subject="Welcome", body="Glad you joined.", course_id=course.id,
                                     recipient_ids=[sam.id])
        tickets.open_ticket(kim, "Invoice", "Please send one.")
        db.session.commit()

        hook = WebhookEndpoint(url="http://127.0.0.1:9/hook", secret="s" * 20, events=["course.created"],
                               paused_at=utcnow())
        db.session.add(hook)
        db.session.commit()
        self.ids = {"user_id": sam.id, "ticket_id": ticket.id, "message_id": note.id, "direction": "down",
                    "webhook_id": hook.id, "upload_id": self._upload(ada), "invitation_token": self._invited(),
                    **self._stored_file(),
                    "token": unsubscribe_token(sam.id, "messages"),
                    "action": "complete",
                    "open_course_id": open_api_course.id, "open_page_course_id": open_page_course.id,
                    **self._course_ids(course, sam_enrollment.id, ada)}
        self.former_ids = self._course_ids(former, kim_former.id, dan)

    def _course_ids(self, course, enrollment_id: int, instructor) -> dict:
        first, second, third = self.make.modules(course)
        content = catalog.add_content(instructor, first.id, title="Notes", type="article",
                                      url="https://example.com/notes")
        self.db.session.commit()
        record = self.db.session.scalar(select(Progress.id).where(
            Progress.enrollment_id == enrollment_id, Progress.module_id == first.id))
        return {"course_id": course.id, "module_id": second.id, "untouched_module_id": third.id,
                "content_id": content.id, "enrollment_id": enrollment_id, "progress_id": record}

    def _stored_file(self) -> dict:
        """A file in the storage (a PDF): its key, and the query of its signed address."""
        from elearn.storage import key_for, storage

        data = b"%PDF-1.4\n%%EOF\n"
        key = key_for(data, "pdf")
        storage().save(key, data, "application/pdf")
        return {"media_key": key, "media_query": "?" + storage().url(key).split("?", 1)[1]}

    def _upload(self, instructor) -> int:
        """A CSV file the instructor uploaded and has not confirmed yet."""
        upload = imports.keep_upload(instructor, "a.csv", b"email,course\nsam@example.com,1\n", False)
        self.db.session.commit()
        return upload.id

    def _invited(self) -> str:
        """The invitation token of an account waiting for its first password."""
        user = self.make.user()
        user.password_hash = invitations.INVITED_PASSWORD
        self.db.session.commit()
        return invitations.invitation_token(user.id, user.email)

    def ids_for(self, persona: str) -> dict:
        return {**self.ids, **(self.former_ids if persona == "demoted" else {})}

    def demote_and_disable(self) -> None:
        """Dan stops being an instructor and the disabled student's account is switched off,
        straight in the database (their sign-ins stay unrevoked: the role and ``active`` must
        be enough)."""
        self.db.session.execute(update(User).where(User.id == self.user_ids["demoted"]).values(role="student"))
        self.db.session.execute(update(User).where(User.id == self.user_ids["disabled"]).values(active=False))
        self.db.session.commit()

    def spare(self, persona: str) -> dict:
        """A course with a module and a content, of the instructor whose objects ``persona`` is
    shown, a failed job, and a student's waiting deletion request."""
        ada = self.db.session.get(User, self.user_ids["instructor"])
        course = self.make.course(ada, modules=1)
        module = self.make.modules(course)[0]
        content = catalog.add_content(ada, module.id, title="Spare", type="article", url="https://example.com/s")
        job = FailedJob(task="elearn.analytics.at_risk.count_every_course", args=[], error="Timeout")
        hook = WebhookEndpoint(url="http://127.0.0.1:9/spare", secret="s" * 20, events=["course.created"],
                               paused_at=utcnow())  # only there to be deleted: paused, it is sent nothing
        self.db.session.add_all([job, hook])
        self.db.session.flush()
        ids = {"request_id": privacy.request_deletion(self.make.user()).id,
               "course_id": course.id, "module_id": module.id, "content_id": content.id, "job_id": job.id,
               "webhook_id": hook.id, "upload_id": self._upload(ada), "invitation_token": self._invited()}
        if persona == "demoted":
            self.db.session.execute(update(Course).where(Course.id == course.id)
                                    .values(instructor_id=self.user_ids["demoted"]))
        self.db.session.commit()
        return ids


# --- one persona's run -----------------------------------------------------------------------------

class Run:
    """One persona trying every route, and what went wrong."""

    def __init__(self, app, db, platform: Platform, persona: str):
        self.app, self.db, self.platform, self.persona = app, db, platform, persona
        self.ids = platform.ids_for(persona)
        self.email = EMAILS.get(persona)
        self.browser, self.token, self.stale_cookie = None, None, None
        if self.email:  # signed in before anyone is demoted or disabled
            self.browser, self.token = self.session(), self.api_token(self.email)
            cookie = self.browser.client.get_cookie("session")
            self.stale_cookie = cookie.value if cookie else None
            assert self.browser.client.get("/account").status_code == 200, f"{persona}: no session"
            assert self.app.test_client().get("/api/auth/me", headers={"Authorization": f"Bearer {self.token}"}
                                              ).status_code == 200, f"{persona}: no token"
        platform.demote_and_disable()
        self.tables = [name for name in inspect(db.engine).get_table_names() if name != "alembic_version"]
        self.tried = 0
        self.failures: list[str] = []

    # signing in -------------------------------------------------------------------------------

    def session(self) -> Browser:
        browser = Browser(self.app.test_client())
        response = browser.login(self.email)
        assert response.status_code == 302, f"{self.email} could not sign in: {response.status_code}"
        return browser

    def api_token(self, email: str, refresh: bool = False) -> str:
        response = self.app.test_client().post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, f"{email} could not get a token: {response.status_code}"
        return response.get_json()["refreshToken" if refresh else "accessToken"]

    def visitor_refresh_token(self) -> str:
        return self.api_token(VISITOR, refresh=True)

    def credentials(self, rule: Rule, pattern: str) -> tuple[Browser, str | None]:
        """Anonymous: a new browser; disabled: a new browser holding the old session cookie, and
        the old token; anyone else their sign-in, or a new one for routes that end it."""
        if self.persona in SIGNED_OUT:
            browser = Browser(self.app.test_client())
            if self.stale_cookie:
                browser.client.set_cookie("session", self.stale_cookie)
            return browser, self.token
        if rule.ends:  # a sign-in of its own: a token for the API, a session for pages
            return (self.browser, self.api_token(self.email)) if is_api(pattern) else (self.session(), None)
        return self.browser, self.token

    # the database -----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, list]:
        """Every row of every table, once the jobs queued by earlier tries (email) are done."""
        assert current_app.extensions["elearn.jobs"].wait_idle(60), "background jobs still running after 60 s"
        rows = {name: [tuple(row) for row in self.db.session.execute(text(f"SELECT * FROM {name} ORDER BY 1"))]
                for name in self.tables}
        self.db.session.rollback()
        return rows

    def reset_password(self) -> None:
        self.db.session.execute(update(User).where(User.email == self.email)
                                .values(password_hash=accounts.hash_password(PASSWORD)))
        self.db.session.commit()

    # trying a route ---------------------------------------------------------------------------

    def expected(self, rule: Rule):
        if self.persona in rule.expect:
            return rule.expect[self.persona]
        return "through" if self.persona in rule.allowed else "refused"

    def try_route(self, method: str, pattern: str, rule: Rule, htmx: bool = False) -> None:
        self.tried += 1
        ids = {**self.ids, **(self.platform.spare(self.persona) if rule.spare else {})}
        path = _PARAM.sub(lambda m: str(ids[rule.params.get(m.group(1), m.group(1))]), pattern)
        path += rule.query.format(**ids)
        expected = self.expected(rule)
        label = f"{method} {path} [{pattern}] as {self.persona}{' (htmx)' if htmx else ''}"
        try:
            browser, token = self.credentials(rule, pattern)
            body = rule.body(self) if callable(rule.body) else rule.body
            headers = {"HX-Request": "true"} if htmx else {}
            if is_api(pattern):
                if token:
                    headers["Authorization"] = f"Bearer {token}"
                send = lambda: browser.client.open(path, method=method, json=body, headers=headers)  # noqa: E731
            elif method == "GET":
                send = lambda: browser.client.get(path, headers=headers)  # noqa: E731
            else:
                form = {**(body or {}), "csrf_token": self.csrf(browser)}
                send = lambda: browser.client.open(path, method=method, data=form, headers=headers)  # noqa: E731
            before = self.snapshot() if method != "GET" and expected != "through" else None
            response = send()
        except Exception as error:  # noqa: BLE001  (a crash is one more finding, not the end of the run)
            self.failures.append(f"{label}: expected {self.describe(expected, pattern, htmx)}, raised {error!r}")
            return
        problem = self.judge(response, expected, pattern, rule, htmx)
        response.close()  # a stored file's answer streams from an open file
        if problem is None and expected == "through" and rule.ends == "signs_out" and self.persona not in SIGNED_OUT:
            problem = self.still_signed_in(browser, token, pattern)
        if before is not None:
            after = self.snapshot()
            changed = sorted(name for name in self.tables if before[name] != after[name])
            if changed:
                problem = f"{problem or f'got {response.status_code}'}, and rows of {', '.join(changed)} changed"
        if rule.ends == "password" and self.email:
            self.reset_password()
        if problem:
            self.failures.append(f"{label}: expected {self.describe(expected, pattern, htmx)}, {problem}")

    def csrf(self, browser: Browser) -> str:
        for page in ("/account", "/login") if self.persona not in SIGNED_OUT else ("/login",):
            found = CSRF_RE.search(browser.client.get(page).get_data(as_text=True))
            if found:
                return found.group(1)
        raise AssertionError("no CSRF token on /account or /login")

    def describe(self, expected, pattern: str, htmx: bool) -> str:
        if isinstance(expected, int):
            return str(expected)
        if expected == "through":
            return "2xx" if is_api(pattern) else "2xx, or a redirect not to /login"
        if self.persona in SIGNED_OUT:
            if is_api(pattern):
                return "refused: 401"
            return "refused: 204 with HX-Redirect to /login" if htmx else "refused: 302 to /login"
        return "refused: 403 or 404"

    def judge(self, response, expected, pattern: str, rule: Rule, htmx: bool) -> str | None:
        """None if the response is what ``expected`` says, else what came back."""
        status = response.status_code
        location = response.headers.get("Location") or ""
        hx_location = response.headers.get("HX-Redirect") or ""
        got = f"got {status}" + (f" to {location}" if location else "") + (
            f" with HX-Redirect {hx_location}" if hx_location else "")
        to_login = location == "/login" or location.startswith("/login?")
        if isinstance(expected, int):
            ok = status == expected
        elif expected == "through":
            if is_api(pattern):
                ok = 200 <= status < 300
            elif rule.ends == "signs_out":
                ok = status in (302, 303) and location == "/login"
            else:
                ok = 200 <= status < 300 or (300 <= status < 400 and not to_login)
        elif self.persona in SIGNED_OUT:
            if is_api(pattern):
                ok = status == 401
            elif htmx:
                ok = status == 204 and (hx_location == "/login" or hx_location.startswith("/login?"))
            else:
                ok = status == 302 and to_login
        else:
            ok = status in (403, 404)
        return None if ok else got

    def still_signed_in(self, browser: Browser, token: str | None, pattern: str) -> str | None:
        if is_api(pattern):
            status = self.app.test_client().get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}
                                                ).status_code
            return None if status == 401 else f"the token still works afterwards ({status} on /api/auth/me)"
        status = browser.client.get("/account").status_code
        return None if status == 302 else f"the session still works afterwards ({status} on /account)"


# --- the tests -------------------------------------------------------------------------------------

def test_every_route_has_a_rule(app):
    """A new route fails here until someone writes down who may use it; so does a rule for a
    route that is gone."""
    routes = set(url_map_routes(app))
    missing = sorted(routes - RULES.keys(), key=lambda r: (r[1], r[0]))
    stale = sorted(RULES.keys() - routes, key=lambda r: (r[1], r[0]))
    assert not missing, "routes without a rule in RULES (who may use them?): " + ", ".join(
        f"{method} {rule}" for method, rule in missing)
    assert not stale, "rules for routes that do not exist: " + ", ".join(f"{method} {rule}" for method, rule in stale)
    for (method, pattern), rule in RULES.items():
        assert rule.allowed <= ANYONE and rule.expect.keys() <= ANYONE, f"unknown persona in {method} {pattern}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_authorization_matrix(app, make, db, persona):
    run = Run(app, db, Platform(make, db), persona)
    for method, pattern in url_map_routes(app):
        rule = RULES.get((method, pattern))
        if rule is None:
            run.failures.append(f"{method} {pattern}: no rule in RULES says who may use it")
            continue
        run.try_route(method, pattern, rule)
        if persona in SIGNED_OUT and not is_api(pattern):
            run.try_route(method, pattern, rule, htmx=True)
    assert run.tried >= len(RULES)
    summary = f"{len(run.failures)} of {run.tried} tries went wrong for {persona}:"
    assert not run.failures, "\n  ".join([summary, *run.failures])


def test_a_disabled_account_cannot_sign_in_at_all(app, make, api, browser):
    make.user(email="dis@example.com", active=False)
    refused = api.client.post("/api/auth/login", json={"email": "dis@example.com", "password": PASSWORD})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "account_disabled"
    assert browser.login("dis@example.com").status_code == 403
    assert browser.client.get("/").status_code == 302
