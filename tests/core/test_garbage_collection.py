"""A server worker's garbage collection policy (elearn/garbage_collection.py)."""
import gc
import math
import weakref

import pytest

from elearn import garbage_collection
from elearn.garbage_collection import OBJECTS_PER_SOCKET, RELEASE_AT_GARBAGE_SHARE
from elearn.realtime.hub import Hub


class Node:
    """An object that can sit in a reference cycle."""


def _walked(thing) -> bool:
    """Whether collections walk ``thing`` (frozen objects are in no generation)."""
    return any(found is thing for found in gc.get_objects())


def _cycles(count: int) -> list:
    nodes = [Node() for _ in range(count)]
    for node in nodes:
        node.self = node
    return nodes


@pytest.fixture
def policy():
    gc.disable()  # (only the collections the tests run: each is one full collection)
    installed = garbage_collection.install()
    yield installed
    garbage_collection.uninstall(installed)
    gc.enable()
    assert gc.get_freeze_count() == 0 and installed not in gc.callbacks


def _objects_each() -> float:
    """Tracked objects per cycle: one, or two once the interpreter has given nodes a dict."""
    before = len(gc.get_objects())
    probe = _cycles(1000)
    each = (len(gc.get_objects()) - before) / len(probe)
    del probe
    return max(each, 1.0)


def _cycles_for(policy, share: float) -> tuple[list, int]:
    """Cycles that are ``share`` of the frozen objects (0.6: a release is due once they
    are all garbage, not while only half are), and how many sockets would hold as many."""
    each = _objects_each()
    cycles = _cycles(int(policy.frozen * share / each))
    return cycles, math.ceil(len(cycles) * each / OBJECTS_PER_SOCKET)


def test_survivors_are_frozen_and_sockets_held_cost_no_walk(policy):
    assert gc.get_freeze_count() > 0, "what is loaded at install is frozen"
    held, sockets = _cycles_for(policy, 0.6)
    garbage_collection.sockets_held(sockets)  # what they stand for
    gc.collect()
    assert not _walked(held[0]), "a full collection's survivors are frozen"
    assert not policy.releasing and policy.garbage() < RELEASE_AT_GARBAGE_SHARE * policy.frozen
    gc.collect()
    assert not _walked(held[0]), "open sockets' objects are never released for a walk"


def test_closing_sockets_release_their_garbage_at_once(policy):
    held, sockets = _cycles_for(policy, 0.6)
    gone = weakref.ref(held[0])
    garbage_collection.sockets_held(sockets)
    gc.collect()
    del held
    assert gone() is not None, "garbage among frozen objects waits for a release"
    garbage_collection.sockets_held(sockets // 2)
    assert gone() is not None, "half the sockets closed: not yet a quarter of the objects"
    garbage_collection.sockets_held(0)
    assert gone() is None, "the release walked everything at once and reclaimed the garbage"
    assert not policy.releasing and policy.garbage() == 0
    survivor = Node()
    gc.collect()
    assert not _walked(survivor), "and freezing goes on"


def test_garbage_no_socket_explains_is_released_by_the_next_full_collection(policy):
    held, _ = _cycles_for(policy, 0.6)
    gone = weakref.ref(held[0])
    gc.collect()  # frozen, and a quarter more than the last release left: due
    assert policy.releasing and _walked(held[0]), "released for the next full collection"
    del held
    gc.collect()
    assert gone() is None and not policy.releasing and policy.garbage() == 0


def test_sockets_held_is_nothing_without_the_policy():
    gc.collect()
    node = Node()
    garbage_collection.sockets_held(0)
    assert _walked(node) and gc.get_freeze_count() == 0


class Bus:
    def subscribe(self, callback):
        pass


def test_the_hub_reports_the_sockets_it_holds(monkeypatch):
    reported = []
    monkeypatch.setattr(garbage_collection, "sockets_held", reported.append)
    hub = Hub(Bus())
    listeners = [hub.register(lambda m: True, user_id=n) for n in range(3)]
    for listener in listeners[:2]:
        hub.unregister(listener)
    assert reported == [1, 2, 3, 2, 1] and hub.connections == 1
