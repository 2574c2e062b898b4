"""Deleting an account on request: the person becomes anonymous, every figure stays the same."""
import pytest
from sqlalchemy import func, select, update

from elearn.auth.models import User
from elearn.messages.models import InboxEntry
from elearn.notifications.models import NotificationPreferences
from elearn.privacy.models import DeletionRequest
from elearn.progress.models import Progress, ProgressEvent
from elearn.tickets.models import SupportTicket, TicketReply
from tests.conftest import Browser, table_counts

REMOVED = "Removed when its author's account was deleted."


def _ask(api, email="sam@example.com") -> dict:
    response = api.post("/api/me/deletion-request", api.token(email))
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def _figures(api, school) -> dict:
    return {"course": api.get(f"/api/analytics/courses/{school.course.id}", api.token("ada@example.com")).get_json(),
            "platform": api.get("/api/analytics/platform", api.token("root@example.com")).get_json()}


def test_an_erased_learner_leaves_the_instructors_shared_student_list(api, browser, school):
    """The list is rendered once and shared from the cache: an erasure retires it."""
    page = f"/teach/courses/{school.course.id}"
    listed = {"HX-Request": "true"}  # the list, as the course page fetches it
    browser.login("ada@example.com")
    assert "Sam Student" in browser.client.get(page, headers=listed).get_data(as_text=True)
    asked = _ask(api)
    assert api.post(f"/api/admin/deletion-requests/{asked['id']}/confirm",
                    api.token("root@example.com")).status_code == 200
    html = browser.client.get(page, headers=listed).get_data(as_text=True)
    assert "Sam Student" not in html and "sam@example.com" not in html and "Deleted user" in html


def test_confirming_anonymises_the_person_and_keeps_every_figure(api, db, school):
    sam_token = api.token("sam@example.com")
    asked = _ask(api)
    assert asked["status"] == "pending" and asked["decidedAt"] is None
    root = api.token("root@example.com")
    waiting = api.get("/api/admin/deletion-requests", root).get_json()
    assert [(r["id"], r["userId"], r["email"], r["name"], r["role"], r["status"]) for r in waiting["items"]] == [
        (asked["id"], school.sam.id, "sam@example.com", "Sam Student", "student", "pending")]
    before = _figures(api, school)
    records = db.session.scalar(select(func.count()).select_from(Progress))
    events = db.session.scalar(select(func.count()).select_from(ProgressEvent))

    confirmed = api.post(f"/api/admin/deletion-requests/{asked['id']}/confirm", root)
    assert confirmed.status_code == 200
    body = confirmed.get_json()
    assert (body["email"], body["name"], body["status"], body["decidedById"]) == (
        f"deleted-{school.sam.id}@invalid", "Deleted user", "confirmed", school.root.id)

    assert _figures(api, school) == before, "every course and platform figure is the same"
    assert db.session.scalar(select(func.count()).select_from(Progress)) == records
    assert db.session.scalar(select(func.count()).select_from(ProgressEvent)) == events
    db.session.expire_all()
    sam = db.session.get(User, school.sam.id)
    assert (sam.email, sam.name, sam.active, sam.timezone) == (
        f"deleted-{sam.id}@invalid", "Deleted user", False, "UTC")
    assert not sam.check_password("password123")
    assert api.get("/api/auth/me", sam_token).status_code == 401, "every sign-in ended"
    for email in ("sam@example.com", f"deleted-{sam.id}@invalid"):
        refused = api.post("/api/auth/login", json={"email": email, "password": "password123"})
        assert refused.status_code in (401, 403)
    assert db.session.get(NotificationPreferences, sam.id) is None
    assert db.session.scalar(select(func.count()).select_from(InboxEntry).where(InboxEntry.user_id == sam.id)) == 0
    ticket = db.session.get(SupportTicket, school.sam_ticket_id)
    assert (ticket.subject, ticket.body) == ("Removed", REMOVED)
    assert set(db.session.scalars(select(TicketReply.body).where(TicketReply.ticket_id == ticket.id))) == {REMOVED}
    kim_ticket = db.session.scalar(select(SupportTicket).where(SupportTicket.user_id == school.kim.id))
    assert kim_ticket.body == "Please send one to Kim.", "nobody else's text is touched"

    ada_inbox = api.get("/api/messages", api.token("ada@example.com")).get_json()["items"]
    assert [(m["body"], m["senderName"]) for m in ada_inbox] == [("Thank you!", "Deleted user")]
    audit = api.get("/api/audit?action=user.erased", root).get_json()["items"]
    assert [(e["actorId"], e["targetId"], e["details"]) for e in audit] == [
        (school.root.id, sam.id, {"requestId": asked["id"]})]
    assert api.get("/api/admin/deletion-requests", root).get_json()["items"] == []
    done = api.get("/api/admin/deletion-requests?status=confirmed", root).get_json()["items"]
    assert [(r["id"], r["email"]) for r in done] == [(asked["id"], f"deleted-{sam.id}@invalid")]
    export = api.get(f"/api/exports/progress.csv?courseId={school.course.id}", root).get_data(as_text=True)
    assert f"deleted-{sam.id}@invalid" in export and "sam@example.com" not in export


def test_the_pages_ask_and_confirm(app, db, school):
    sam, root = Browser(app.test_client()), Browser(app.test_client())
    sam.login("sam@example.com")
    root.login("root@example.com")
    assert "Ask to delete my account" in sam.client.get("/account").get_data(as_text=True)
    asked = sam.post("/account/deletion-request")
    assert asked.status_code == 303 and asked.headers["Location"] == "/account?deletion=requested#delete-account"
    account = sam.client.get("/account").get_data(as_text=True)
    assert "An admin will confirm it soon." in account and "Withdraw the request" in account

    listing = root.client.get("/admin/deletion-requests").get_data(as_text=True)
    assert "Sam Student" in listing and "sam@example.com" in listing and "Account deletions" in listing
    [request_id] = db.session.scalars(select(DeletionRequest.id)).all()
    confirmed = root.post(f"/admin/deletion-requests/{request_id}/confirm")
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/admin/deletion-requests?done=confirmed"
    assert "the person is anonymous now" in root.client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert sam.client.get("/account").status_code == 302, "signed out"


def test_forms_without_their_csrf_token_change_nothing(app, db, school):
    sam = Browser(app.test_client())
    sam.login("sam@example.com")
    assert sam.client.post("/account/deletion-request").status_code == 400
    assert db.session.scalar(select(DeletionRequest.id)) is None


def test_admins_are_refused_and_only_admins_decide(api, db, school):
    refused = api.post("/api/me/deletion-request", api.token("root@example.com"))
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "admin_account"
    asked = _ask(api)
    for email in ("sam@example.com", "kim@example.com", "ada@example.com"):
        token = api.token(email)
        assert api.get("/api/admin/deletion-requests", token).status_code == 403
        for action in ("confirm", "reject"):
            assert api.post(f"/api/admin/deletion-requests/{asked['id']}/{action}", token).status_code == 403
    db.session.execute(update(User).where(User.id == school.sam.id).values(role="admin"))
    db.session.commit()
    root = api.token("root@example.com")
    before = table_counts(db)
    promoted = api.post(f"/api/admin/deletion-requests/{asked['id']}/confirm", root)
    assert promoted.status_code == 422 and promoted.get_json()["error"]["code"] == "admin_account"
    assert table_counts(db) == before
    db.session.expire_all()
    assert db.session.get(DeletionRequest, asked["id"]).status == "pending"
    assert db.session.get(User, school.sam.id).email == "sam@example.com"


def test_a_decided_request_is_decided_once(api, school):
    asked = _ask(api)
    root = api.token("root@example.com")
    assert api.post(f"/api/admin/deletion-requests/{asked['id']}/confirm", root).status_code == 200
    for action in ("confirm", "reject"):
        again = api.post(f"/api/admin/deletion-requests/{asked['id']}/{action}", root)
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert api.post("/api/admin/deletion-requests/999999/confirm", root).status_code == 404


def test_asking_twice_is_one_request_and_it_may_be_withdrawn_or_declined(api, browser, school):
    first, second = _ask(api), _ask(api)
    assert first["id"] == second["id"]
    sam = api.token("sam@example.com")
    assert api.delete("/api/me/deletion-request", sam).status_code == 204
    assert api.delete("/api/me/deletion-request", sam).status_code == 204, "nothing waiting: nothing to do"
    root = api.token("root@example.com")
    assert api.post(f"/api/admin/deletion-requests/{first['id']}/confirm", root).status_code == 409
    again = _ask(api)
    assert again["id"] != first["id"]
    declined = api.post(f"/api/admin/deletion-requests/{again['id']}/reject", root).get_json()
    assert (declined["status"], declined["email"]) == ("rejected", "sam@example.com")
    mine = api.get("/api/me/export", sam).get_json()["deletionRequests"]
    assert [(r["id"], r["status"]) for r in mine] == [(first["id"], "cancelled"), (again["id"], "rejected")]
    browser.login("sam@example.com")
    page = browser.client.get("/account").get_data(as_text=True)
    assert "was declined" in page and "Ask to delete my account" in page


@pytest.mark.parametrize("status, expected", [("pending", 1), ("rejected", 0), ("cancelled", 0)])
def test_admins_list_requests_by_status(api, school, status, expected):
    _ask(api)
    _ask(api, "kim@example.com")
    listing = api.get(f"/api/admin/deletion-requests?status={status}", api.token("root@example.com")).get_json()
    assert listing["total"] == 2 * expected
    assert api.get("/api/admin/deletion-requests?status=gone", api.token("root@example.com")).status_code == 422
