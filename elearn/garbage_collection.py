"""Full garbage collections that do not grow with the sockets a server worker holds.

CPython's full collection walks every object it tracks and stops the worker meanwhile.
A worker holds about 180 such objects per open WebSocket on top of the app's own
180,000, and a full collection comes each time the long-lived objects have grown by a
quarter: while sockets connect, and again as they come and go. Measured on the bench
machine, a worker holding 5,000 sockets stopped for 400 to 900 ms each time, and every
event due on its sockets waited that long.

So (``install``, from ``gunicorn.conf.py`` once the worker has loaded the app):

- the app's objects are frozen (``gc.freeze``): no collection walks them again;
- each full collection freezes what survived it, so the next walks only what arrived
  since;
- frozen objects are never collected, so garbage among them (the cycles a closed
  socket leaves) would stay: once the frozen set has grown ``RELEASE_AFTER_GROWTH``
  times since it was last released, it is released (``gc.unfreeze``), and the next full
  collection walks everything once, reclaims that garbage, and freezes the rest again.
"""
import gc

#: How many times the frozen objects may grow before a full collection walks them all.
RELEASE_AFTER_GROWTH = 2.0


class FreezeSurvivors:
    """The ``gc.callbacks`` entry that carries out the policy above."""

    def __init__(self):
        gc.collect()
        gc.freeze()
        self.base = max(gc.get_freeze_count(), 1)  # frozen when last released
        self.releasing = False

    def __call__(self, phase: str, info: dict) -> None:
        if phase != "stop" or info["generation"] != 2:
            return
        gc.freeze()
        if self.releasing:  # this collection walked everything: its survivors are the new base
            self.releasing, self.base = False, max(gc.get_freeze_count(), 1)
        elif gc.get_freeze_count() > RELEASE_AFTER_GROWTH * self.base:
            gc.unfreeze()
            self.releasing = True


def install() -> FreezeSurvivors:
    """Freeze what is loaded now and every full collection's survivors from now on."""
    policy = FreezeSurvivors()
    gc.callbacks.append(policy)
    return policy


def uninstall(policy: FreezeSurvivors) -> None:
    gc.callbacks.remove(policy)
    gc.unfreeze()
