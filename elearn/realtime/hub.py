"""The per-process hub: one bus subscription fanning events out to a queue per socket.

Each WebSocket handler registers a ``Listener`` that says which events it wants; the
hub's bus callback only filters and enqueues (cheap, never blocks), and each handler's
own thread renders and writes to its socket. Nothing here is shared across processes:
the bus (Redis when configured) brings every process every event.
"""
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .local_bus import RECONNECTED

QUEUE_LIMIT = 256


@dataclass(eq=False)
class Listener:
    wants: Callable[[dict], bool]
    events: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=QUEUE_LIMIT))
    overflowed: bool = False

    def offer(self, message: dict) -> None:
        try:
            self.events.put_nowait(message)
        except queue.Full:
            # A stalled client: drop the backlog; the next push re-renders from the
            # database anyway, so nothing is lost but intermediate states.
            self.overflowed = True

    def drain(self, timeout: float) -> list[dict]:
        """Wait up to ``timeout`` for an event; return it with any others already queued."""
        try:
            batch = [self.events.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                batch.append(self.events.get_nowait())
            except queue.Empty:
                return batch


class Hub:
    def __init__(self, bus):
        self._bus = bus
        self._subscribed = False
        self._listeners: set[Listener] = set()
        self._lock = threading.Lock()

    def register(self, wants: Callable[[dict], bool]) -> Listener:
        listener = Listener(wants)
        with self._lock:
            if not self._subscribed:  # first socket of this process: start hearing the bus
                self._bus.subscribe(self._dispatch)
                self._subscribed = True
            self._listeners.add(listener)
        return listener

    def unregister(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.discard(listener)

    @property
    def connections(self) -> int:
        return len(self._listeners)

    def _dispatch(self, message: dict) -> None:
        """Queue the event for the sockets that want it; a reconnected bus for all of them
        (each re-renders, so what it missed while the bus was down is shown)."""
        with self._lock:
            listeners = list(self._listeners)
        everyone = message.get("type") == RECONNECTED
        for listener in listeners:
            if everyone or listener.wants(message):
                listener.offer(message)


def init_hub(app) -> None:
    app.extensions["elearn.hub"] = Hub(app.extensions["elearn.bus"])
