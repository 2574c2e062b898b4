"""Webhooks: signed deliveries to a real receiver, retries, pausing, and refused addresses."""
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.messages import service as messages
from elearn.webhooks.models import WebhookDelivery, WebhookEndpoint

SECRET = "a-secret-of-some-length"


class Receiver:
    """A webhook receiver on a free local port: what it got, and what it answers."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []  # answered in order; 200 once empty
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server names the hook)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver broke")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/elearn"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    found = Receiver()
    yield found
    assert app.extensions["elearn.jobs"].wait_idle(60)
    found.server.shutdown()
    found.server.server_close()


def _settle(app):
    assert app.extensions["elearn.jobs"].wait_idle(60)


def _platform(make, api):
    root = make.user("admin", email="root@example.com")
    course = make.course(make.user("instructor"), modules=3, title="Algebra")
    sam = make.user(email="sam@example.com")
    enrollment = make.enroll(sam, course)
    db.session.commit()
    return root, course, enrollment, api.token("root@example.com"), api.token("sam@example.com")


def _complete(api, token, enrollment, course, make, index=0):
    module = make.modules(course)[index]
    assert api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", token).status_code == 200


def test_each_event_is_posted_signed_to_the_endpoints_that_asked_for_it(app, make, api, receiver):
    _root, course, enrollment, admin, learner = _platform(make, api)
    created = api.call("POST", "/api/webhooks", admin, json={"url": receiver.url, "secret": SECRET,
                                                              "events": ["progress.updated"]})
    assert created.status_code == 201, created.get_json()
    webhook = created.get_json()
    assert "secret" not in webhook and webhook["events"] == ["progress.updated"]

    _complete(api, learner, enrollment, course, make)
    _settle(app)
    assert len(receiver.received) == 1  # progress.updated only, not the badge
    headers, body = receiver.received[0]
    timestamp = headers["X-Elearn-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Elearn-Signature"] == f"sha256={expected}"
    assert abs(int(timestamp) - time.time()) < 120
    payload = json.loads(body)
    assert payload["type"] == "progress.updated" and headers["X-Elearn-Event"] == "progress.updated"
    assert payload["id"] == headers["X-Elearn-Event-Id"]
    assert payload["data"]["enrollmentId"] == enrollment.id and payload["data"]["completed"] is True

    log = api.call("GET", f"/api/webhooks/{webhook['id']}/deliveries", admin).get_json()["items"]
    assert [(d["status"], d["attempts"], d["responseStatus"]) for d in log] == [("delivered", 1, 200)]
    assert log[0]["latencyMs"] >= 0 and log[0]["eventId"] == payload["id"]


def test_events_no_endpoint_listens_to_queue_no_job_and_a_new_endpoint_hears_the_next(
        app, make, api, receiver, monkeypatch):
    """Most events (every completion) have no listener: once the cache knows the types the
    endpoints asked for, those events queue nothing; registering an endpoint changes that."""
    from elearn.webhooks import service as webhooks

    _root, course, enrollment, admin, learner = _platform(make, api)
    runner = app.extensions["elearn.jobs"]
    queued = []
    real_enqueue = runner.enqueue
    monkeypatch.setattr(runner, "enqueue", lambda name, args: queued.append(name) or real_enqueue(name, args))
    assert webhooks.listened_types() == set()  # computed once (a fan-out job would do it)
    _complete(api, learner, enrollment, course, make, 0)
    _settle(app)
    assert "elearn.webhooks.service.fan_out" not in queued, queued
    created = api.call("POST", "/api/webhooks", admin, json={"url": receiver.url, "secret": SECRET,
                                                              "events": ["progress.updated"]})
    assert created.status_code == 201, created.get_json()
    _complete(api, learner, enrollment, course, make, 1)
    _settle(app)
    assert queued.count("elearn.webhooks.service.fan_out") == 1
    assert [json.loads(body)["data"]["moduleId"] for _headers, body in receiver.received] == [
        make.modules(course)[1].id]


def test_a_failing_receiver_is_retried_then_paused_and_its_owner_told(app, make, api, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_PAUSE_AFTER", 0.25)
    root, course, enrollment, admin, learner = _platform(make, api)
    webhook = api.call("POST", "/api/webhooks", admin, json={"url": receiver.url, "secret": SECRET,
                                                              "events": ["progress.updated"]}).get_json()
    receiver.answers = [500, 500, 500]
    _complete(api, learner, enrollment, course, make)
    _settle(app)
    assert len(receiver.received) == 3  # the first attempt and two retries
    assert len({h["X-Elearn-Event-Id"] for h, _ in receiver.received}) == 1  # the same event each time
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 3, 500)
    assert delivery.response_snippet == "receiver broke"
    endpoint = db.session.get(WebhookEndpoint, webhook["id"])
    assert endpoint.paused_at is not None
    [note] = [n for n in messages.inbox(root).page.items if n.subject.startswith("Webhook paused")]
    assert receiver.url in note.subject

    _complete(api, learner, enrollment, course, make, 1)  # paused: nothing is sent
    _settle(app)
    assert len(receiver.received) == 3
    resumed = api.call("POST", f"/api/webhooks/{webhook['id']}/resume", admin).get_json()
    assert resumed["pausedAt"] is None
    _complete(api, learner, enrollment, course, make, 2)
    _settle(app)
    assert len(receiver.received) == 4 and json.loads(receiver.received[-1][1])["data"]["completed"] is True


def test_deliveries_waiting_when_the_endpoint_paused_go_out_when_it_resumes(app, make, api, receiver):
    from elearn.db_types import utcnow
    from elearn.webhooks import service

    root, course, enrollment, admin, learner = _platform(make, api)
    webhook = api.call("POST", "/api/webhooks", admin, json={"url": receiver.url, "secret": SECRET,
                                                              "events": ["course.updated"]}).get_json()
    endpoint = db.session.get(WebhookEndpoint, webhook["id"])
    waiting = WebhookDelivery(endpoint_id=endpoint.id, event_id="evt-1", event_type="course.updated", body='{"id":1}',
                              status="pending", attempts=1, created_at=utcnow())
    endpoint.paused_at = utcnow()
    db.session.add(waiting)
    db.session.commit()
    service.deliver({"deliveryId": waiting.id})  # its retry, while paused: it waits
    db.session.refresh(waiting)
    assert (waiting.status, waiting.attempts, receiver.received) == ("pending", 1, [])
    listed = api.get(f"/api/webhooks/{endpoint.id}/deliveries", admin).get_json()["items"]
    assert [item["status"] for item in listed] == ["pending"]
    assert api.call("POST", f"/api/webhooks/{endpoint.id}/resume", admin).status_code == 200
    _settle(app)
    db.session.refresh(waiting)
    assert (waiting.status, waiting.attempts) == ("delivered", 2)
    assert [json.loads(body)["id"] for _, body in receiver.received] == [1]
    # Resuming an endpoint that is not paused queues nothing again (its deliveries have their jobs).
    again = WebhookDelivery(endpoint_id=endpoint.id, event_id="evt-2", event_type="course.updated", body='{"id":2}',
                            status="pending", attempts=1, created_at=utcnow())
    db.session.add(again)
    db.session.commit()
    assert api.call("POST", f"/api/webhooks/{endpoint.id}/resume", admin).status_code == 200
    _settle(app)
    db.session.refresh(again)
    assert (again.status, again.attempts, len(receiver.received)) == ("pending", 1, 1)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "https://10.1.2.3/hook",
                                 "http://169.254.169.254/latest/meta-data", "https://[::1]/hook",
                                 "ftp://example.com/hook", "https://user:pw@example.com/hook", "not a url"])
def test_addresses_inside_the_network_are_refused(app, make, api, url):
    make.user("admin", email="root@example.com")
    db.session.commit()
    token = api.token("root@example.com")
    refused = api.call("POST", "/api/webhooks", token, json={"url": url, "secret": SECRET,
                                                             "events": ["progress.updated"]})
    assert refused.status_code == 422, url
    assert "url" in refused.get_json()["error"]["details"]
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_a_delivery_connects_to_the_address_checked_not_to_what_the_name_answers_next(app, make, api, receiver,
                                                                                    monkeypatch):
    """DNS rebinding: the name answers a public address to the checks and the receiver's
    inside one to the connection; the delivery must go to the public one it checked."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    port = receiver.server.server_port
    real_lookup, asked = socket.getaddrinfo, []

    def lookup(host, *args, **kwargs):
        if host != "rebind.example":
            return real_lookup(host, *args, **kwargs)
        asked.append(host)
        address = "8.8.8.8" if len(asked) <= 2 else "127.0.0.1"  # registering, delivering; then the rebind
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    connected = []

    def refuse(target, *args, **kwargs):
        connected.append(target)
        raise ConnectionRefusedError("refused in the test")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(socket, "create_connection", refuse)
    root, course, enrollment, admin, learner = _platform(make, api)
    created = api.call("POST", "/api/webhooks", admin, json={"url": f"http://rebind.example:{port}/hook",
                                                              "secret": SECRET, "events": ["progress.updated"]})
    assert created.status_code == 201
    _complete(api, learner, enrollment, course, make)
    _settle(app)
    assert receiver.received == [], "the inside address got the delivery"
    assert connected == [("8.8.8.8", port)]  # the first attempt, to the address it checked
    delivery = db.session.scalar(select(WebhookDelivery))
    assert "inside a private network" in delivery.response_snippet  # the retry's check saw the rebind


@pytest.mark.parametrize("scheme, silent_first", [("http", False), ("https", False), ("http", True)])
def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off_at_the_timeout(scheme, silent_first, tmp_path,
                                                                             monkeypatch):
    """Each byte comes within the timeout, so only a deadline on the whole exchange ends it
    (under TLS too, whose socket takes over the plain one's; and when a first address that
    never answers took the time, the second gets none)."""
    from elearn.web.outgoing import post

    listener = socket.create_server(("127.0.0.1", 0))
    if scheme == "https":  # a certificate of this test's own, which the client is told to trust
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", tmp_path / "key.pem",
                        "-out", tmp_path / "cert.pem"], check=True, capture_output=True)
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
        listener = server.wrap_socket(listener, server_side=True)
        monkeypatch.setattr(ssl, "_create_default_https_context",
                            lambda: ssl.create_default_context(cafile=tmp_path / "cert.pem"))
    stop = threading.Event()

    def drip():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"y" * 200:
                if stop.wait(0.2):
                    return
                conn.sendall(bytes([byte]))

    threading.Thread(target=drip, daemon=True).start()
    addresses = None
    if silent_first:
        connect = socket.create_connection

        def silent(target, timeout=None, *args):
            if target[0] == "192.0.2.1":  # (a test address: it takes the whole timeout, then fails)
                time.sleep(timeout)
                raise TimeoutError("timed out")
            return connect(target, timeout, *args)

        monkeypatch.setattr(socket, "create_connection", silent)
        addresses = ["192.0.2.1", "127.0.0.1"]
    started = time.monotonic()
    try:
        with pytest.raises((OSError, http.client.HTTPException)):
            post(f"{scheme}://127.0.0.1:{listener.getsockname()[1]}/", b"{}", {}, timeout=1.0, read_chars=10,
                 addresses=addresses)
        assert time.monotonic() - started < 20  # (about 1 s; the whole drip takes 44 s)
    finally:
        stop.set()
        listener.close()


def test_production_accepts_https_only(app, make, api, monkeypatch):
    monkeypatch.setitem(app.config, "ELEARN_ENV", "production")
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    make.user("admin", email="root@example.com")
    db.session.commit()
    refused = api.call("POST", "/api/webhooks", api.token("root@example.com"),
                       json={"url": "http://example.com/hook", "secret": SECRET, "events": ["course.created"]})
    assert refused.status_code == 422 and "https" in refused.get_json()["error"]["details"]["url"]


def test_the_page_registers_and_shows_the_log(app, make, browser, receiver):
    make.user("admin", email="root@example.com")
    db.session.commit()
    browser.login("root@example.com")
    bad = browser.post("/admin/webhooks", {"url": receiver.url, "secret": "short", "events": ["course.created"]})
    assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)
    ok = browser.post("/admin/webhooks", {"url": receiver.url, "secret": SECRET,
                                          "events": ["course.created", "user.created"]})
    assert ok.status_code == 303
    page = browser.client.get("/admin/webhooks").get_data(as_text=True)
    assert receiver.url in page and "course.created, user.created" in page
