"""Each person downloads everything held about them, and nothing of anyone else's."""
import pytest

from elearn.privacy import personal_data

OTHERS = ("kim@example.com", "ada@example.com", "root@example.com", "Kim Other", "Invoice")


def _without(item: dict, *keys: str) -> dict:
    return {key: value for key, value in item.items() if key not in keys}


def test_the_export_holds_the_callers_data_and_nobody_elses(api, school):
    response = api.get("/api/me/export", api.token("sam@example.com"))
    assert response.status_code == 200
    data = response.get_json()
    sam, enrollment = school.sam, school.sam_enrollment
    assert data["profile"] == {"id": sam.id, "email": "sam@example.com", "name": "Sam Student", "role": "student",
                               "timezone": "Europe/Berlin", "createdAt": sam.created_at.isoformat()}
    assert [_without(e, "enrolledAt", "completedAt", "lastActivityAt") for e in data["enrollments"]] == [
        {"id": enrollment.id, "courseId": school.course.id, "courseTitle": "Algebra", "pricePaidCents": 0,
         "completedModules": 2}]
    assert [(p["enrollmentId"], p["moduleTitle"], p["completed"]) for p in data["progress"]] == [
        (enrollment.id, "Module 1", True), (enrollment.id, "Module 2", True)]
    assert [(a["enrollmentId"], a["kind"]) for a in data["activity"]] == [(enrollment.id, "completed")] * 2
    assert [b["key"] for b in data["badges"]] == ["first-module"]
    [ticket] = data["tickets"]
    assert (ticket["id"], ticket["subject"], ticket["body"]) == (school.sam_ticket_id, "Stuck", "Module 2 does not load.")
    assert [_without(r, "id", "createdAt") for r in ticket["replies"]] == [
        {"authorName": "Root Admin", "mine": False, "body": "Try again now."},
        {"authorName": "Sam Student", "mine": True, "body": "Works, thanks."}]
    welcome = next(m for m in data["inbox"] if m["messageId"] == school.welcome_id)
    assert _without(welcome, "createdAt", "readAt") == {
        "messageId": school.welcome_id, "subject": "Welcome", "body": "Glad you joined.", "senderName": "Ada Lovelace",
        "courseId": school.course.id, "courseTitle": "Algebra", "replyToId": None, "notice": False}
    assert all(m["notice"] and m["senderName"] is None for m in data["inbox"] if m["messageId"] != school.welcome_id)
    assert [_without(m, "createdAt") for m in data["sentMessages"]] == [
        {"id": school.sam_reply_id, "subject": "Re: Welcome", "body": "Thank you!", "courseId": school.course.id,
         "replyToId": school.welcome_id, "recipientCount": 1}]
    assert data["notificationPreferences"] == {"messages": True, "inactivity": True, "streaks": False,
                                               "achievements": True, "digests": True, "language": "en"}
    assert [s["kind"] for s in data["signIns"]] == ["api"] and data["deletionRequests"] == []
    assert {e["kind"] for e in data["emails"]} <= {"achievements", "messages"}
    text = response.get_data(as_text=True)
    assert not [other for other in OTHERS if other in text], "nothing of anyone else's"
    assert "senderId" not in text and "authorId" not in text and "userId" not in text


def test_the_account_page_links_a_download_of_the_same_json(app, api, browser, school):
    assert browser.login("sam@example.com").status_code == 302
    page = browser.client.get("/account").get_data(as_text=True)
    assert "Download your data" in page and 'href="/account/export"' in page
    download = browser.client.get("/account/export")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert download.headers["Content-Disposition"] == f'attachment; filename="elearn-data-{school.sam.id}.json"'
    from_api = api.get("/api/me/export", api.token("sam@example.com")).get_json()
    from_page = download.get_json()
    assert _without(from_page, "generatedAt", "signIns") == _without(from_api, "generatedAt", "signIns")
    assert [s["kind"] for s in from_page["signIns"]] == ["browser"]


def test_the_export_takes_as_many_statements_for_a_long_history_as_for_a_short_one(school, count_queries):
    counts = []
    for person in (school.kim, school.sam, school.ada):
        assert person.role  # loaded
        with count_queries() as statements:
            personal_data.your_data(person)
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2] <= 14


@pytest.mark.parametrize("path", ["/api/me/export", "/account/export"])
def test_signed_out_visitors_get_nothing(client, school, path):
    response = client.get(path)
    assert response.status_code == 401 if path.startswith("/api") else (
        response.status_code == 302 and response.headers["Location"].startswith("/login"))
