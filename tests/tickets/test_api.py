"""The support tickets JSON API."""
from datetime import datetime

import pytest

from tests.conftest import table_counts

TICKET_KEYS = {"id", "userId", "subject", "body", "status", "createdAt", "closedAt"}


@pytest.fixture
def tokens(make, api):
    make.user(email="owner@example.com")
    make.user(email="other@example.com")
    make.user("instructor", email="teacher@example.com")
    make.user("admin", email="root@example.com")
    return {who: api.token(f"{who}@example.com") for who in ("owner", "other", "teacher", "root")}


@pytest.fixture
def ticket_id(api, tokens):
    response = api.post("/api/tickets", tokens["owner"], json={"subject": "Video", "body": "It is black."})
    return response.get_json()["id"]


def test_any_user_opens_a_ticket_and_gets_the_contract_shape(api, tokens):
    for who in ("owner", "teacher", "root"):
        response = api.post("/api/tickets", tokens[who], json={"subject": "Help", "body": "Please."})
        assert response.status_code == 201
        body = response.get_json()
        assert set(body) == TICKET_KEYS
        assert (body["subject"], body["body"], body["status"], body["closedAt"]) == ("Help", "Please.", "open", None)
        assert datetime.fromisoformat(body["createdAt"]).utcoffset().total_seconds() == 0
        assert response.headers["Location"].endswith(f"/api/tickets/{body['id']}")


@pytest.mark.parametrize("payload, field", [({"body": "x"}, "subject"), ({"subject": "x"}, "body"),
                                            ({"subject": " ", "body": "x"}, "subject"),
                                            ({"subject": "x" * 201, "body": "x"}, "subject"),
                                            ({"subject": "x", "body": "x", "status": "closed"}, "status"),
                                            ({"subject": 5, "body": "x"}, "subject")])
def test_a_ticket_with_invalid_fields_is_422(api, db, tokens, payload, field):
    counts = table_counts(db)
    response = api.post("/api/tickets", tokens["owner"], json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]
    assert table_counts(db) == counts


def test_opening_needs_a_token(api):
    assert api.post("/api/tickets", json={"subject": "x", "body": "y"}).status_code == 401


def test_the_list_is_your_own_tickets_and_everything_for_admins(api, tokens, ticket_id):
    api.post("/api/tickets", tokens["other"], json={"subject": "Billing", "body": "Twice."})
    mine = api.get("/api/tickets", tokens["owner"]).get_json()
    assert set(mine) == {"items", "page", "perPage", "total"}
    assert [t["id"] for t in mine["items"]] == [ticket_id]
    assert TICKET_KEYS <= set(mine["items"][0])
    assert mine["items"][0]["replyCount"] == 0
    assert api.get("/api/tickets", tokens["teacher"]).get_json()["total"] == 0
    everything = api.get("/api/tickets?perPage=1", tokens["root"]).get_json()
    assert (everything["total"], everything["perPage"], everything["items"][0]["subject"]) == (2, 1, "Billing")


def test_admins_filter_the_list_by_status(api, tokens, ticket_id):
    api.post("/api/tickets", tokens["other"], json={"subject": "Billing", "body": "Twice."})
    api.patch(f"/api/tickets/{ticket_id}", tokens["root"], json={"status": "closed"})
    closed = api.get("/api/tickets?status=closed", tokens["root"]).get_json()
    assert [t["id"] for t in closed["items"]] == [ticket_id]
    assert api.get("/api/tickets?status=open", tokens["root"]).get_json()["total"] == 1
    for query in ({"status": "pending"}, {"perPage": "201"}, {"userId": "1"}):
        response = api.get("/api/tickets", tokens["root"], query_string=query)
        assert response.status_code == 422, query


def test_a_ticket_is_shown_with_its_replies_to_its_owner_and_admins_only(api, tokens, ticket_id):
    assert api.post(f"/api/tickets/{ticket_id}/replies", tokens["root"],
                    json={"body": "Which browser?"}).status_code == 201
    reply = api.post(f"/api/tickets/{ticket_id}/replies", tokens["owner"], json={"body": "Firefox."})
    assert reply.status_code == 201
    assert set(reply.get_json()) == {"id", "ticketId", "authorId", "authorName", "authorRole", "body", "createdAt"}
    for who in ("owner", "root"):
        body = api.get(f"/api/tickets/{ticket_id}", tokens[who]).get_json()
        assert TICKET_KEYS | {"replies", "userEmail", "userName"} == set(body)
        assert [(r["authorRole"], r["body"]) for r in body["replies"]] == [("admin", "Which browser?"),
                                                                           ("student", "Firefox.")]
    for who in ("other", "teacher"):
        assert api.get(f"/api/tickets/{ticket_id}", tokens[who]).status_code == 404
    assert api.get(f"/api/tickets/{ticket_id}").status_code == 401
    assert api.get("/api/tickets/999999", tokens["root"]).status_code == 404


def test_other_users_cannot_reply_and_empty_replies_are_422(api, db, tokens, ticket_id):
    counts = table_counts(db)
    for who in ("other", "teacher"):
        response = api.post(f"/api/tickets/{ticket_id}/replies", tokens[who], json={"body": "Me too"})
        assert response.status_code == 404
    for payload in ({"body": ""}, {}, {"body": "x", "author": 1}):
        assert api.post(f"/api/tickets/{ticket_id}/replies", tokens["owner"], json=payload).status_code == 422
    assert api.post("/api/tickets/999999/replies", tokens["root"], json={"body": "x"}).status_code == 404
    assert table_counts(db) == counts


def test_only_admins_close_and_reopen_and_closing_sets_closed_at(api, tokens, ticket_id):
    for who in ("owner", "other", "teacher"):
        response = api.patch(f"/api/tickets/{ticket_id}", tokens[who], json={"status": "closed"})
        assert response.status_code == 403, who
    closed = api.patch(f"/api/tickets/{ticket_id}", tokens["root"], json={"status": "closed"})
    assert closed.status_code == 200
    body = closed.get_json()
    assert set(body) == TICKET_KEYS
    assert body["status"] == "closed" and datetime.fromisoformat(body["closedAt"]) >= datetime.fromisoformat(
        body["createdAt"])
    reopened = api.patch(f"/api/tickets/{ticket_id}", tokens["root"], json={"status": "open"}).get_json()
    assert (reopened["status"], reopened["closedAt"]) == ("open", None)


def test_status_changes_are_validated(api, tokens, ticket_id):
    for payload in ({"status": "resolved"}, {}, {"status": "closed", "subject": "x"}):
        response = api.patch(f"/api/tickets/{ticket_id}", tokens["root"], json=payload)
        assert response.status_code == 422, payload
    assert api.patch("/api/tickets/999999", tokens["root"], json={"status": "closed"}).status_code == 404


def test_the_owners_reply_reopens_a_closed_ticket(api, tokens, ticket_id):
    api.patch(f"/api/tickets/{ticket_id}", tokens["root"], json={"status": "closed"})
    api.post(f"/api/tickets/{ticket_id}/replies", tokens["owner"], json={"body": "Black again."})
    body = api.get(f"/api/tickets/{ticket_id}", tokens["owner"]).get_json()
    assert (body["status"], body["closedAt"]) == ("open", None)


def test_the_openapi_document_describes_the_ticket_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/tickets"]) and {"get", "patch"} <= set(paths["/api/tickets/{ticketId}"])
    assert "post" in paths["/api/tickets/{ticketId}/replies"]
    assert "403" in paths["/api/tickets/{ticketId}"]["patch"]["responses"]
    assert set(spec["components"]["schemas"]["TicketOut"]["properties"]) == TICKET_KEYS


def test_list_and_detail_statements_do_not_grow_with_tickets_or_replies(api, tokens, ticket_id, count_queries):
    def statements(path):
        with count_queries() as sent:
            assert api.get(path, tokens["root"]).status_code == 200
        return len(sent)

    small = [statements("/api/tickets"), statements(f"/api/tickets/{ticket_id}")]
    for k in range(6):
        api.post("/api/tickets", tokens["other"], json={"subject": f"S{k}", "body": "B"})
        api.post(f"/api/tickets/{ticket_id}/replies", tokens["root"], json={"body": f"R{k}"})
    assert [statements("/api/tickets"), statements(f"/api/tickets/{ticket_id}")] == small
    assert small[0] <= 3 and small[1] <= 3  # the user, then a count and a page / the ticket and its replies
