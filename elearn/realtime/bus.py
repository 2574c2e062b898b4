"""The event bus: every published event reaches every subscriber in every process.

In-process by default (one process, no services); with ``REDIS_URL`` the Redis bus
(``redis_bus.py``) fans events out across worker processes and hosts.
"""
import json
import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)
Subscriber = Callable[[dict], None]


class LocalBus:
    """Delivers each event synchronously to this process's subscribers."""

    def __init__(self):
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def publish(self, message: dict) -> None:
        self.deliver(json.loads(json.dumps(message)))  # what crosses Redis: plain JSON

    def deliver(self, message: dict) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(message)
            except Exception:  # one broken receiver must not stop the others
                log.exception("event subscriber failed")

    def close(self) -> None:
        pass


def init_bus(app) -> None:
    if app.config.get("REDIS_URL"):
        from .redis_bus import RedisBus

        bus = RedisBus(app.config["REDIS_URL"], app.config["EVENT_CHANNEL"])
    else:
        bus = LocalBus()
    app.extensions["elearn.bus"] = bus
