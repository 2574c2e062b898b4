"""Full garbage collections that do not grow with the sockets a server worker holds.

CPython's full collection walks every object it tracks and stops the worker meanwhile.
A worker holds about 160 such objects per open WebSocket on top of the app's own
170,000, and a full collection comes each time the long-lived objects have grown by a
quarter: while sockets connect, and again as they come and go. Measured on the bench
machine, a worker holding 5,000 sockets stopped for 400 to 900 ms each time, and every
event due on its sockets waited that long.

So (``install``, from ``gunicorn.conf.py`` once the worker has loaded the app):

- the app's objects are frozen (``gc.freeze``): no collection walks them again;
- each full collection freezes what survived it, so the next walks only what arrived
  since. Frozen objects were alive when frozen: a full collection had just kept them;
- frozen objects are never collected, so the reference cycles a closed socket leaves
  among them would stay. Closing sockets say so (``left_garbage``, from the realtime
  hub); once the garbage they left is ``RELEASE_AT_GARBAGE_SHARE`` of what is frozen,
  everything is released (``gc.unfreeze``), walked once by a full collection there and
  then, and what survives is frozen again.

A release is therefore paid for by garbage, at a moment a socket closes, and never by
the sockets still open: connecting 5,000 of them no longer walks them all again and
again (the earlier policy, released on growth, did that with pauses of 330 to 710 ms
at the moment the frozen set had doubled).
"""
import gc

#: Release when the garbage left among frozen objects reaches this share of them: it
#: bounds the memory they hold to about that share, and it spreads the walk of a
#: release over the sockets that left it (under 0.2 ms each at 0.25).
RELEASE_AT_GARBAGE_SHARE = 0.25

_installed: "FreezeSurvivors | None" = None


class FreezeSurvivors:
    """The ``gc.callbacks`` entry that carries out the policy above."""

    def __init__(self):
        gc.collect()
        self._freeze()
        self.garbage = 0  # objects left for garbage among the frozen ones since the last release

    def _freeze(self) -> None:
        gc.freeze()
        # Counting the frozen objects walks them (a list of a million takes milliseconds):
        # once per full collection, not once per closed socket.
        self.release_at = int(RELEASE_AT_GARBAGE_SHARE * gc.get_freeze_count())

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            self._freeze()

    def left_garbage(self, objects: int) -> None:
        self.garbage += objects
        if self.garbage >= self.release_at:
            self.release()

    def release(self) -> None:
        """Walk everything once: the collection reclaims the garbage, this callback
        freezes the survivors again."""
        self.garbage = 0
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


def left_garbage(objects: int) -> None:
    """Note that about ``objects`` tracked objects became garbage that may be frozen (a
    socket closed); nothing unless the policy is installed (a server worker)."""
    if _installed is not None:
        _installed.left_garbage(objects)
