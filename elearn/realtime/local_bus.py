"""The in-process event bus: one process, no services (the embedded default)."""
import json
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
Subscriber = Callable[[dict], None]
#: The event every subscriber gets when the bus hears again after an outage.
RECONNECTED = "bus.reconnected"


class LocalBus:
    """Delivers each event synchronously to this process's subscribers."""

    def __init__(self):
        self._subscribers: list[Subscriber] = []
        self._reconnect_callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` whenever the bus hears again after an outage (events published
        meanwhile were lost; whatever depends on them must catch up)."""
        self._reconnect_callbacks.append(callback)

    def reconnected(self) -> None:
        """After an outage: run the callbacks, then tell every subscriber, so open pages
        re-render what they may have missed."""
        for callback in self._reconnect_callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001  (e.g. Redis gone again: the next reconnect retries)
                log.exception("reconnect callback failed")
        self.deliver({"type": RECONNECTED})

    def subscribe(self, callback: Subscriber) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def publish(self, message: dict) -> None:
        self.deliver(json.loads(json.dumps(message)))  # what crosses Redis: plain JSON

    def publish_all(self, messages: list[dict]) -> None:
        for message in messages:
            self.publish(message)

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
