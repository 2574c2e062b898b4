"""The Redis bus carries events between processes (here: two app instances)."""
import time
import uuid

import pytest

from tests.conftest import TEST_REDIS_URL, unavailable

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url():
    if not TEST_REDIS_URL:
        unavailable("redis", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable("redis", str(error))
    return TEST_REDIS_URL


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
