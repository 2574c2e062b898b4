"""Redis pub/sub bus: one listener thread per process fans events out to local subscribers.

A change handled by any worker process or host is published once to Redis; every
process's listener receives it and hands it to its own subscribers (WebSocket queues,
cache invalidation). If Redis is unreachable, publishing logs and gives up (the write it
reports has already committed) and the listener keeps retrying until Redis is back.
"""
import json
import logging
import threading
import time

import redis

from ..cache import RedisCache, generations_changed_by
from .local_bus import LocalBus

log = logging.getLogger(__name__)


class RedisBus(LocalBus):
    """With ``cache`` (the Redis cache on the same server), a commit's cache bumps and its
    events go out in one pipeline: one round trip, and the bumps land before any subscriber
    hears of the change and re-reads."""

    def __init__(self, url: str, channel: str, cache: RedisCache | None = None):
        super().__init__()
        self.url = url
        self.channel = channel
        self.cache = cache
        self._client = cache.client if cache else redis.Redis.from_url(url, socket_timeout=2,
                                                                       socket_connect_timeout=2)
        if cache:
            cache.bumped_by_bus = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()

    def subscribe(self, callback) -> None:
        super().subscribe(callback)
        self._ensure_listener()

    def publish(self, message: dict) -> None:
        self.publish_all([message])

    def publish_all(self, messages: list[dict]) -> None:
        names = generations_changed_by(messages) if self.cache else ()
        try:
            with self._client.pipeline(transaction=False) as pipe:
                if names:
                    self.cache.add_bump(pipe, names)
                for message in messages:
                    pipe.publish(self.channel, json.dumps(message))
                pipe.execute()
        except redis.RedisError:
            if names:
                self.cache.bump_failed(names)
            log.exception("could not publish events to Redis")

    def _ensure_listener(self) -> None:
        """Start the listener lazily: only processes with subscribers need one (and a
        thread started before gunicorn forks would not survive the fork)."""
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._listen, name="elearn-bus", daemon=True)
                self._thread.start()

    def _listen(self) -> None:
        backoff, lost = 0.5, False
        while not self._stop.is_set():
            pubsub = None
            try:
                client = redis.Redis.from_url(self.url, socket_connect_timeout=2, health_check_interval=10)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                pubsub.get_message(timeout=1.0)  # the subscription's confirmation: we hear again
                backoff = 0.5
                if lost:
                    lost = False
                    self.reconnected()
                while not self._stop.is_set():
                    item = pubsub.get_message(timeout=1.0)
                    if item and item["type"] == "message":
                        self.deliver(json.loads(item["data"]))
            except (redis.RedisError, OSError):
                lost = True
                log.warning("Redis event listener lost its connection; retrying in %.1fs", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001  (already broken)
                        pass

    def wait_until_listening(self, timeout: float = 5.0) -> bool:
        """For tests and start-up: true once this process's listener is subscribed."""
        self._ensure_listener()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                counts = dict(self._client.pubsub_numsub(self.channel))
                if counts.get(self.channel.encode(), 0) > 0:
                    return True
            except redis.RedisError:
                pass
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self._stop.set()
