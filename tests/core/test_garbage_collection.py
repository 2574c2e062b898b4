"""A server worker's garbage collection policy (elearn/garbage_collection.py)."""
import gc
import weakref

from elearn import garbage_collection
from elearn.realtime.hub import GARBAGE_PER_CLOSED_SOCKET, Hub


class Node:
    """An object that can sit in a reference cycle."""


def _walked(thing) -> bool:
    """Whether collections walk ``thing`` (frozen objects are in no generation)."""
    return any(found is thing for found in gc.get_objects())


def _cycle():
    node = Node()
    node.self = node
    return node


def test_full_collections_freeze_survivors_and_garbage_left_releases_them():
    gc.disable()  # (only the collections below: each step is one full collection)
    policy = garbage_collection.install()
    try:
        assert gc.get_freeze_count() > 0, "what is loaded at install is frozen"
        cycle = _cycle()
        gone = weakref.ref(cycle)
        assert _walked(cycle)
        gc.collect()
        assert not _walked(cycle), "a full collection's survivors are frozen"
        del cycle
        kept = [_cycle() for _ in range(1000)]
        gc.collect()
        assert gone() is not None, "garbage among frozen objects waits for a release"
        assert not _walked(kept[0])

        garbage_collection.left_garbage(policy.release_at - 10)
        assert gone() is not None and gc.get_freeze_count() > 0, "not enough garbage reported to release"
        garbage_collection.left_garbage(10)
        assert gone() is None, "the release walked everything once and reclaimed the garbage"
        assert gc.get_freeze_count() > 0 and not _walked(kept[0]), "and froze the survivors again"
        assert policy.garbage == 0
    finally:
        garbage_collection.uninstall(policy)
        gc.enable()
    assert gc.get_freeze_count() == 0 and policy not in gc.callbacks


def test_left_garbage_is_nothing_without_the_policy():
    gc.collect()
    cycle = _cycle()
    garbage_collection.left_garbage(10**9)
    assert _walked(cycle) and gc.get_freeze_count() == 0


class Bus:
    def subscribe(self, callback):
        pass


def test_a_closed_socket_reports_the_garbage_it_leaves(monkeypatch):
    reported = []
    monkeypatch.setattr(garbage_collection, "left_garbage", reported.append)
    hub = Hub(Bus())
    listeners = [hub.register(lambda m: True, user_id=n) for n in range(3)]
    assert reported == []
    for listener in listeners[:2]:
        hub.unregister(listener)
    assert reported == [GARBAGE_PER_CLOSED_SOCKET] * 2 and hub.connections == 1
