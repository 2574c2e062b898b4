"""The event bus: every published event reaches every subscriber in every process.

In-process by default (``local_bus.py``: one process, no services); with ``REDIS_URL`` the
Redis bus (``redis_bus.py``) fans events out across worker processes and hosts.
"""
from .local_bus import LocalBus
from .redis_bus import RedisBus


def init_bus(app) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["elearn.bus"] = RedisBus(url, app.config["EVENT_CHANNEL"]) if url else LocalBus()
