"""A server worker's garbage collection policy (elearn/garbage_collection.py)."""
import gc
import weakref

from elearn import garbage_collection


class Node:
    """An object that can sit in a reference cycle."""


def _walked(thing) -> bool:
    """Whether collections walk ``thing`` (frozen objects are in no generation)."""
    return any(found is thing for found in gc.get_objects())


def test_full_collections_freeze_their_survivors_and_release_them_once_grown():
    gc.disable()  # (only the collections below: each step is one full collection)
    policy = garbage_collection.install()
    try:
        assert gc.get_freeze_count() > 0, "what is loaded at install is frozen"
        cycle = Node()
        cycle.self = cycle
        gone = weakref.ref(cycle)
        assert _walked(cycle)
        gc.collect()
        assert not _walked(cycle), "a full collection's survivors are frozen"
        del cycle
        gc.collect()
        assert gone() is not None, "garbage among frozen objects waits for the release"
        kept = [Node() for _ in range(int(policy.base * garbage_collection.RELEASE_AFTER_GROWTH) + 1000)]
        gc.collect()  # the frozen objects have now more than doubled since the last release
        assert gc.get_freeze_count() == 0 and _walked(kept[0]), "released"
        gc.collect()  # walks everything once
        assert gone() is None, "the garbage they held is reclaimed"
        assert not _walked(kept[0]), "and the survivors are frozen again"
    finally:
        garbage_collection.uninstall(policy)
        gc.enable()
    assert gc.get_freeze_count() == 0 and policy not in gc.callbacks
