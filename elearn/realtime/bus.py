"""The event bus: every published event reaches every subscriber in every process.

In-process by default (``local_bus.py``: one process, no services); with ``REDIS_URL`` the
Redis bus (``redis_bus.py``) fans events out across worker processes and hosts.
"""
from ..cache import RedisCache
from .local_bus import LocalBus
from .redis_bus import RedisBus


def init_bus(app) -> None:
    """After ``init_cache``: the Redis bus sends the Redis cache's bumps with its events."""
    url = app.config.get("REDIS_URL")
    cache = app.extensions.get("elearn.cache")
    app.extensions["elearn.bus"] = (RedisBus(url, app.config["EVENT_CHANNEL"],
                                             cache if isinstance(cache, RedisCache) else None)
                                    if url else LocalBus())
