"""The admin's xAPI page: the backlog in numbers, replaying whole days, sending now."""
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.progress.models import XapiOutbox
from elearn.xapi import forwarding


def test_the_page_shows_the_backlog_and_replays_days(app, make, browser, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", "http://127.0.0.1:9/xAPI/")  # a closed port: the LRS is down
    make.user("admin", email="root@example.com", name="Root")
    course = make.course(modules=2)
    make.complete(make.enroll(make.user(email="sam@example.com"), course), 2)
    forwarding.forward()
    db.session.commit()
    browser.login("root@example.com")
    html = browser.client.get("/admin/xapi").get_data(as_text=True)
    assert "http://127.0.0.1:9/xAPI/" in html and "Connection refused" in html
    waiting = db.session.scalar(select(func.count()).select_from(XapiOutbox))
    assert waiting == 5  # 2 completions; first-module, course-completed and first-course badges
    assert f"<dt>Waiting</dt><dd>{waiting}</dd>" in html.replace("\n", "")

    today = db.session.scalar(select(func.max(XapiOutbox.queued_at))).date().isoformat()
    done = browser.post("/admin/xapi/replay", {"first_day": today, "last_day": today})
    assert done.status_code == 303 and "queued=5" in done.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(XapiOutbox)) == 10
    refused = browser.post("/admin/xapi/replay", {"first_day": today, "last_day": "2020-01-01"})
    assert refused.status_code == 422 and "on or before the last day" in refused.get_data(as_text=True)

    assert browser.post("/admin/xapi/send-now").status_code == 303
    assert app.extensions["elearn.jobs"].wait_idle(60)


def test_without_an_lrs_the_page_says_how_to_set_one_up(app, make, browser):
    make.user("admin", email="root@example.com")
    browser.login("root@example.com")
    html = browser.client.get("/admin/xapi").get_data(as_text=True)
    assert "No LRS is set up" in html and "Send again" not in html
    refused = browser.post("/admin/xapi/replay", {"first_day": "2026-01-01", "last_day": "2026-01-02"})
    assert refused.status_code == 409 and "XAPI_LRS_URL" in refused.get_data(as_text=True)
