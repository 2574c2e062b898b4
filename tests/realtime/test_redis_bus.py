"""The Redis bus carries events between processes (here: two app instances)."""
import time
import uuid

import pytest

pytestmark = pytest.mark.redis


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_an_event_published_in_one_process_reaches_another(redis_url):
    from elearn.realtime.redis_bus import RedisBus

    channel = f"elearn:test:{uuid.uuid4().hex}"
    publisher, receiver = RedisBus(redis_url, channel), RedisBus(redis_url, channel)
    received = []
    receiver.subscribe(received.append)
    try:
        assert receiver.wait_until_listening(timeout=20)
        publisher.publish({"type": "progress.updated", "userId": 7})
        assert _wait_for(lambda: received == [{"type": "progress.updated", "userId": 7}])
    finally:
        publisher.close()
        receiver.close()


def test_publishing_with_redis_down_does_not_raise():
    from elearn.realtime.redis_bus import RedisBus

    bus = RedisBus("redis://127.0.0.1:1/0", "elearn:test:down")
    bus.publish({"type": "progress.updated"})  # logged, not raised: the write already committed
    bus.close()


def test_app_uses_the_redis_bus_when_configured(redis_url, tmp_path):
    from elearn.realtime.redis_bus import RedisBus
    from tests.conftest import build_app

    app = build_app(f"sqlite:///{tmp_path / 'bus.sqlite'}", REDIS_URL=redis_url,
                    EVENT_CHANNEL=f"elearn:test:{uuid.uuid4().hex}")
    bus = app.extensions["elearn.bus"]
    try:
        assert isinstance(bus, RedisBus)
    finally:
        bus.close()


def test_a_reconnected_bus_tells_its_subscribers_and_callbacks(redis_url):
    from urllib.parse import urlsplit

    from elearn.realtime.redis_bus import RedisBus
    from tests.proxy import Proxy

    target = urlsplit(redis_url)
    proxy = Proxy(target.hostname, target.port or 6379)
    bus = RedisBus(f"redis://127.0.0.1:{proxy.port}/0", f"elearn:test:{uuid.uuid4().hex}")
    received, called = [], []
    bus.on_reconnect(lambda: called.append(True))
    bus.subscribe(received.append)
    try:
        assert bus.wait_until_listening(timeout=20)
        proxy.cut()
        proxy.restore()
        assert _wait_for(lambda: {"type": "bus.reconnected"} in received)
        assert called == [True]
    finally:
        bus.close()
        proxy.cut()


def test_an_open_page_catches_up_on_what_it_missed_while_redis_was_away(redis_url, tmp_path):
    """A completion made while the bus is cut off reaches the open dashboard once Redis is back."""
    from urllib.parse import urlsplit

    from tests.conftest import Browser, build_app, migrate_to_head, serving
    from tests.factories import Factory
    from tests.proxy import Proxy
    from tests.ws_client import Client

    target = urlsplit(redis_url)
    proxy = Proxy(target.hostname, target.port or 6379)
    app = build_app(f"sqlite:///{tmp_path / 'away.sqlite'}", REDIS_URL=f"redis://127.0.0.1:{proxy.port}/0",
                    EVENT_CHANNEL=f"elearn:test:{uuid.uuid4().hex}")
    migrate_to_head(app)
    with app.app_context():
        make = Factory()
        student = make.user(email="s@example.com")
        course = make.course(modules=4, title="Fractions")
        enrollment = make.enroll(student, course)
        module_id = make.modules(course)[0].id
        enrollment_id = enrollment.id
    browser = Browser(app.test_client())
    browser.login("s@example.com")
    cookie = f"session={browser.client.get_cookie('session').value}"
    with serving(app) as url:
        ws = Client.connect(url.replace("http://", "ws://") + "/ws?view=dashboard",
                            headers={"Cookie": cookie, "Origin": url})
        try:
            assert 'data-testid="overall-percent">0%<' in ws.receive(timeout=20)
            assert app.extensions["elearn.bus"].wait_until_listening(timeout=20)
            proxy.cut()
            token = app.test_client().post("/api/auth/login", json={"email": "s@example.com",
                                                                    "password": "password123"}).get_json()
            app.test_client().post(f"/api/progress/mark-completed/{enrollment_id}/{module_id}",
                                   headers={"Authorization": f"Bearer {token['accessToken']}"})
            proxy.restore()
            deadline = time.monotonic() + 30
            while 'data-testid="overall-percent">25%<' not in (ws.receive(timeout=30) or ""):
                assert time.monotonic() < deadline, "the page never caught up"
        finally:
            if ws.connected:
                ws.close()
            app.extensions["elearn.bus"].close()
            proxy.cut()
            with app.app_context():
                from elearn.extensions import db

                db.engine.dispose()
