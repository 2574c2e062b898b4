"""The per-process hub: one bus subscription fanning events out to a queue per socket.

Each WebSocket handler registers a ``Listener`` that says which events it wants; the
hub's bus callback only filters and enqueues (cheap, never blocks), and each handler's
own thread renders and writes to its socket. Nothing here is shared across processes:
the bus (Redis when configured) brings every process every event.

A worker holds thousands of sockets, so an event must not be offered to each of them: a
listener is filed under its user (events naming that ``userId``), the courses it follows
(events naming that ``courseId``), or "everything" (an admin's views), and an event is
filtered only by the listeners filed under its user and course, and those following
everything. Course edits and a reconnected bus are rare and go to every listener.

Each listener is a socket, and the worker's garbage collection policy is told how many
it holds after each one opens or closes: a closed socket leaves reference cycles among
the objects the policy holds frozen (``garbage_collection``).
"""
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import garbage_collection
from .local_bus import RECONNECTED

log = logging.getLogger(__name__)

QUEUE_LIMIT = 256

#: Events offered to every listener, whatever it is filed under.
BROADCAST = frozenset({RECONNECTED, "course.updated", "course.deleted", "course.created"})


@dataclass(eq=False)
class Listener:
    wants: Callable[[dict], bool]
    user_id: int | None = None
    courses: frozenset[int] = frozenset()
    everything: bool = False
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
        self._by_user: dict[int, set[Listener]] = {}
        self._by_course: dict[int, set[Listener]] = {}
        self._everything: set[Listener] = set()
        self._lock = threading.Lock()

    def register(self, wants: Callable[[dict], bool], *, user_id: int | None = None,
                 courses=(), everything: bool = False) -> Listener:
        """A listener for events naming ``user_id`` or one of ``courses`` (or, with
        ``everything`` or neither, any event) that ``wants`` accepts."""
        listener = Listener(wants, user_id, frozenset(courses), everything or (user_id is None and not courses))
        with self._lock:
            if not self._subscribed:  # first socket of this process: start hearing the bus
                self._bus.subscribe(self._dispatch)
                self._subscribed = True
            self._listeners.add(listener)
            self._file(listener)
            held = len(self._listeners)
        garbage_collection.sockets_held(held)
        return listener

    def reroute(self, listener: Listener, *, courses=(), everything: bool = False) -> None:
        """File the listener again (its user's role, and so what it follows, changed)."""
        with self._lock:
            self._unfile(listener)
            listener.courses, listener.everything = frozenset(courses), everything
            self._file(listener)

    def unregister(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.discard(listener)
            self._unfile(listener)
            held = len(self._listeners)
        garbage_collection.sockets_held(held)

    def _file(self, listener: Listener) -> None:
        if listener.everything:
            self._everything.add(listener)
        if listener.user_id is not None:
            self._by_user.setdefault(listener.user_id, set()).add(listener)
        for course_id in listener.courses:
            self._by_course.setdefault(course_id, set()).add(listener)

    def _unfile(self, listener: Listener) -> None:
        self._everything.discard(listener)
        for index, key in ((self._by_user, listener.user_id), *((self._by_course, c) for c in listener.courses)):
            filed = index.get(key)
            if filed is not None:
                filed.discard(listener)
                if not filed:
                    del index[key]

    @property
    def connections(self) -> int:
        return len(self._listeners)

    def _dispatch(self, message: dict) -> None:
        """Queue the event for the sockets that want it; a reconnected bus for all of them
        (each re-renders, so what it missed while the bus was down is shown)."""
        kind = message.get("type")
        addressed = set()
        with self._lock:
            if kind in BROADCAST:
                candidates = set(self._listeners)
            else:
                candidates = set(self._everything)
                candidates.update(self._by_user.get(message.get("userId"), ()))
                candidates.update(self._by_course.get(message.get("courseId"), ()))
                for course_id in message.get("courseIds") or ():  # one event for many courses (an import)
                    candidates.update(self._by_course.get(course_id, ()))
                # One event for many recipients (a message): addressed to them, so theirs
                # without asking each socket to search the list.
                for user_id in message.get("userIds") or ():
                    addressed.update(self._by_user.get(user_id, ()))
        for listener in candidates | addressed:
            try:
                if kind == RECONNECTED or listener in addressed or listener.wants(message):
                    listener.offer(message)
            except Exception:  # one socket's broken filter must not keep the event from the others
                log.exception("a socket's filter failed on a %s event", kind)


def init_hub(app) -> None:
    app.extensions["elearn.hub"] = Hub(app.extensions["elearn.bus"])
