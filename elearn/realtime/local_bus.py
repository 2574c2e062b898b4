"""The in-process event bus: one process, no services (the embedded default)."""
import json
import logging
import threading
from collections.abc import Callable

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
