"""A server worker's garbage collection policy (elearn/garbage_collection.py)."""
import gc
import weakref

from elearn import garbage_collection


class Node:
    """An object that can sit in a reference cycle."""


def test_full_collections_freeze_their_survivors_and_release_them_once_grown():
    gc.disable()  # (only the collections below: each step is one full collection)
    policy = garbage_collection.install()
    try:
        base = gc.get_freeze_count()
        assert base > 0, "what is loaded at install is frozen"
        assert gc.get_freeze_count() == base
        cycle = Node()
        cycle.self = cycle
        gone = weakref.ref(cycle)
        gc.collect()
        assert gc.get_freeze_count() > base, "a full collection's survivors are frozen"
        del cycle
        gc.collect()
        assert gone() is not None, "garbage among frozen objects waits for the release"
        kept = [Node() for _ in range(int(base * garbage_collection.RELEASE_AFTER_GROWTH))]
        gc.collect()  # frozen objects now more than doubled since the last release: released
        assert gc.get_freeze_count() == 0
        gc.collect()  # walks everything once
        assert gone() is None, "the garbage they held is reclaimed"
        assert gc.get_freeze_count() >= len(kept), "and the survivors are frozen again"
    finally:
        garbage_collection.uninstall(policy)
        gc.enable()
    assert gc.get_freeze_count() == 0 and policy not in gc.callbacks
