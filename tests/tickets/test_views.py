"""Help pages: a learner opens a ticket, an admin answers and closes it."""
import re

from sqlalchemy import select

from elearn.tickets.models import SupportTicket
from tests.conftest import Browser


def test_a_ticket_from_question_to_closed(app, browser, make, db):
    make.user(email="s@example.com", name="Sam")
    make.user("admin", email="root@example.com", name="Root")
    browser.login("s@example.com")
    assert "Ask for help" in browser.client.get("/help").get_data(as_text=True)
    opened = browser.post("/help/tickets", {"subject": "Video won't play", "body": "Module 3 video is black."})
    assert opened.status_code == 303
    ticket = db.session.scalar(select(SupportTicket))
    assert opened.headers["Location"] == f"/help/tickets/{ticket.id}"
    assert "Video won&#39;t play" in browser.client.get("/help").get_data(as_text=True)

    admin = Browser(app.test_client())
    admin.login("root@example.com")
    listing = admin.client.get("/admin/tickets?status=open").get_data(as_text=True)
    assert "Video won&#39;t play" in listing and "<strong>1</strong> open" in listing
    admin.post(f"/help/tickets/{ticket.id}/replies", {"body": "Try another browser, please."})
    assert admin.post(f"/help/tickets/{ticket.id}/status", {"status": "closed"}).status_code == 303
    page = browser.client.get(f"/help/tickets/{ticket.id}").get_data(as_text=True)
    assert "Try another browser, please." in page and 'data-testid="ticket-status">Closed<' in page
    db.session.expire_all()
    assert db.session.get(SupportTicket, ticket.id).closed_at is not None


def test_blank_tickets_and_replies_show_errors(browser, make, db):
    make.user(email="s@example.com")
    browser.login("s@example.com")
    response = browser.post("/help/tickets", {"subject": "", "body": ""})
    assert response.status_code == 422 and 'id="subject-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(SupportTicket)) is None


def test_other_peoples_tickets_are_404(app, browser, make):
    make.user(email="s@example.com")
    make.user(email="t@example.com")
    browser.login("s@example.com")
    browser.post("/help/tickets", {"subject": "Mine", "body": "Private"})
    other = Browser(app.test_client())
    other.login("t@example.com")
    assert other.client.get("/help/tickets/1").status_code == 404
    assert other.post("/help/tickets/1/replies", {"body": "Hi"}).status_code == 404
    assert "Mine" not in other.client.get("/help").get_data(as_text=True)


def _current(html: str, nav: str) -> list[str]:
    """The links marked as the current page in the navigation labelled ``nav``."""
    block = re.search(rf'<nav [^>]*aria-label="{nav}"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'aria-current="page">([^<]+)</a>', block.group(1)) if block else []


def test_support_tickets_are_admin_pages_for_admins_and_help_for_everyone_else(app, browser, make, db):
    make.user(email="s@example.com")
    make.user("admin", email="root@example.com")
    browser.login("s@example.com")
    browser.post("/help/tickets", {"subject": "Stuck", "body": "Module 2 will not open."})
    ticket_id = db.session.scalar(select(SupportTicket.id))
    for path in ("/help", f"/help/tickets/{ticket_id}"):
        html = browser.client.get(path).get_data(as_text=True)
        assert _current(html, "Main") == ["Help"] and _current(html, "Admin") == [], path
        assert 'class="subnav" aria-label="Admin"' not in html, path

    admin = Browser(app.test_client())
    admin.login("root@example.com")
    for path in ("/admin/tickets", f"/help/tickets/{ticket_id}"):
        html = admin.client.get(path).get_data(as_text=True)
        assert _current(html, "Main") == ["Admin"], path
        assert _current(html, "Admin") == ["Support tickets"], path
