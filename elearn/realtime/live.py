"""Live page views: what a browser page listens to and how its regions are re-rendered.

A page opens ``/ws?view=<name>:<arg>``. The feature that owns the page registers a
factory under that name; the factory checks access (raising a domain error) and returns
a ``LiveView`` whose ``wants`` filters bus events and whose ``render`` returns the page's
live regions as ``<hx-partial>`` elements, rendered from the same partial templates as
the page itself, so a pushed region is identical to a loaded one.
"""
from dataclasses import dataclass
from typing import Callable

from ..errors import NotFound


@dataclass
class LiveView:
    wants: Callable[[dict], bool]
    render: Callable[[], str]


_FACTORIES: dict[str, Callable] = {}


def live_view(name: str):
    """Register ``factory(user, arg: str | None) -> LiveView`` for ``?view=name[:arg]``."""

    def decorator(factory):
        _FACTORIES[name] = factory
        return factory

    return decorator


def open_live_view(user, spec: str) -> LiveView:
    name, _, arg = (spec or "").partition(":")
    factory = _FACTORIES.get(name)
    if factory is None:
        raise NotFound("No such live view.")
    return factory(user, arg or None)
