"""Full garbage collections that do not grow with the sockets a server worker holds.

CPython's full collection walks every object it tracks and stops the worker meanwhile.
A worker holds about 180 such objects per open WebSocket on top of the app's own
170,000, and a full collection comes each time the long-lived objects have grown by a
quarter: while sockets connect, and again as they come and go. Measured on the bench
machine, a worker holding 5,000 sockets stopped for 400 to 900 ms each time, and every
event due on its sockets waited that long.

So (``install``, from ``gunicorn.conf.py`` once the worker has loaded the app):

- the app's objects are frozen (``gc.freeze``): no collection walks them again;
- each full collection freezes what survived it, so the next walks only what arrived
  since;
- frozen objects are never collected, so garbage among them stays until they are
  released (``gc.unfreeze``) and walked once. It comes from two places: a closed socket
  leaves about 70 of its objects in reference cycles, and a full collection freezes the
  requests then in flight, whose objects are garbage a moment later (about 200 a second
  under steady analytics requests). Both show as frozen objects that neither what was
  alive at the last release nor the sockets now open explain (the realtime hub reports
  how many sockets are open). Once those reach ``RELEASE_AT_GARBAGE_SHARE`` of the
  frozen objects, everything is released, walked, and what survives frozen again: at
  once when a socket closes, else by the next full collection.

A release so follows garbage: sockets that stay open cost no walks, and garbage holds at
most about that share of a worker's objects. (Releasing each time the frozen objects had
doubled instead walked every socket held again and again while 5,000 connected: 330 to
710 ms each time, at moments unrelated to garbage.)
"""
import gc

#: Release when the garbage among frozen objects reaches this share of them: it bounds
#: the memory garbage holds, and spreads each walk of a release (0.4 to 0.7 s for a
#: worker holding 5,000 sockets) over the garbage that made it due.
RELEASE_AT_GARBAGE_SHARE = 0.25
#: Tracked objects an open socket holds, with what its connecting leaves behind for a
#: while (5,000 sockets grew the frozen objects by 810,000 to 900,000).
OBJECTS_PER_SOCKET = 180

_installed: "FreezeSurvivors | None" = None


class FreezeSurvivors:
    """The ``gc.callbacks`` entry that carries out the policy above."""

    def __init__(self):
        self.sockets = 0
        gc.collect()
        self._settle()

    def _settle(self) -> None:
        """Freeze everything now: the walk just done left only live objects."""
        self.releasing = False
        gc.freeze()
        # Counting frozen objects walks them (a million scattered ones take tens of
        # milliseconds), so only here, once per release; in between, each full collection
        # adds its survivors, which it has just walked anyway.
        self.frozen = gc.get_freeze_count()
        self.base = self.frozen - self.sockets * OBJECTS_PER_SOCKET  # what the sockets do not explain

    def __call__(self, phase: str, info: dict) -> None:
        if phase != "stop" or info["generation"] != 2:
            return
        if self.releasing:  # this collection walked everything
            self._settle()
            return
        survivors = len(gc.get_objects())
        gc.freeze()
        self.frozen += survivors
        if self.due():
            gc.unfreeze()  # the next full collection walks everything
            self.releasing = True

    def garbage(self) -> int:
        """About how many frozen objects are garbage. A frozen object freed by its last
        reference leaving still counts, and so does all of a closed socket: this errs
        high, which brings a release early, never late."""
        return max(0, self.frozen - self.sockets * OBJECTS_PER_SOCKET - self.base)

    def due(self) -> bool:
        return self.garbage() >= RELEASE_AT_GARBAGE_SHARE * self.frozen

    def sockets_held(self, count: int) -> None:
        closed, self.sockets = count < self.sockets, count
        if closed and not self.releasing and self.due():
            self.release()

    def release(self) -> None:
        """Walk everything now: the collection reclaims the garbage, and its callback
        (this object) freezes the survivors again."""
        self.releasing = True
        gc.unfreeze()
        gc.collect()


def install() -> FreezeSurvivors:
    """Freeze what is loaded now and every full collection's survivors from now on."""
    global _installed
    _installed = FreezeSurvivors()
    gc.callbacks.append(_installed)
    return _installed


def uninstall(policy: FreezeSurvivors) -> None:
    global _installed
    gc.callbacks.remove(policy)
    gc.unfreeze()
    _installed = None


def sockets_held(count: int) -> None:
    """The WebSockets this process holds now, after one opened or closed (the realtime
    hub says so); nothing unless the policy is installed (a server worker)."""
    if _installed is not None:
        _installed.sockets_held(count)
