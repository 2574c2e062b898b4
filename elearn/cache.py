"""Read-through caching of dashboard figures, invalidated by generation counters.

Each cached value is stored with the *generations* of what it depends on, as they were
when its computation began: a user's (their progress and enrollments) or a course's (its
analytics). A committed change bumps the generations it touches (``bump_for_events``,
run on ``events.committed`` in the writing request, before the bus tells anyone), so
every read that starts after the write's response finds the stored generations behind
and computes a fresh value. A read is one round trip: the value and the current
generations together; a request that knows what its view will read fetches it with its
sign-in check, in that check's round trip (``read_ahead_for_user``), and a view that learns
it only once it has checked access fetches all of it with its next lookup (``read_ahead``);
a request that computes several values (every JSON operation, a kept page) stores them
together too (``stores_held``).
A time-based expiry bounds everything else (including staleness after a Redis outage).

Backends: Redis when ``REDIS_URL`` is set (shared by every process and host), otherwise a
dictionary in this process. If Redis fails, reads fall through to the database and
writes are skipped; nothing raises.

In Redis, values are JSON written and read through the value's declared type (pydantic),
never pickle: whoever can write to Redis can change a figure, not run code. Every key
also carries a global *epoch*: a process that could not invalidate during an outage bumps
it as soon as Redis answers again (so does the event bus when it reconnects), which
retires every value cached before, so no page serves a figure older than a write made
while Redis was unreachable.
"""
import functools
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import redis
from flask import current_app, g
from pydantic import TypeAdapter, ValidationError

from .events import committed, replica_reads, wrote_in_transaction

log = logging.getLogger(__name__)
DEFAULT_TTL = 300


EPOCH = "epoch"
#: Seconds a value computed from the read replica is kept: it may predate a change the
#: replica had not replayed yet, under that change's generation.
REPLICA_TTL = 15


@functools.cache
def _adapter(kind: type) -> TypeAdapter:
    return TypeAdapter(kind)


def _encoded(generations: list[int], value, kind: type) -> bytes:
    return _adapter(tuple[list[int], kind]).dump_json((generations, value))


class LocalCache:
    """Objects kept as they are, in this process (no outage to recover from)."""

    bumped_by_bus = False

    def __init__(self):
        self._values: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def lookup_many(self, entries: list["Entry"]) -> list:
        return [self.lookup(entry.key, entry.depends_on, entry.kind) for entry in entries]

    def lookup(self, key: str, names: tuple[str, ...], kind: type):
        with self._lock:
            generations = [self._values[name][1] if name in self._values else 0 for name in (*names, EPOCH)]
            entry = self._values.get(key)
        if entry is None or entry[0] < time.monotonic() or entry[1][0] != generations:
            return generations, None
        return generations, entry[1][1]

    def store(self, key: str, generations: list[int], value, kind: type, ttl: int) -> None:
        with self._lock:
            if len(self._values) > 50_000:  # bound memory: drop everything expired or not
                self._drop_everything()
            self._values[key] = (time.monotonic() + ttl, (generations, value))

    def _drop_everything(self) -> None:
        """Values and counters go, and a new epoch begins: a value computed before, stored
        after, never matches the counters as they climb again from 0."""
        epoch = self._values[EPOCH][1] + 1 if EPOCH in self._values else 1
        self._values.clear()
        self._values[EPOCH] = (float("inf"), epoch)

    def store_many(self, items: list[tuple]) -> None:
        """``store`` of each (key, generations, value, kind, ttl)."""
        for item in items:
            self.store(*item)

    def bump(self, names: Collection[str]) -> None:
        with self._lock:
            for name in names:
                entry = self._values.get(name)
                self._values[name] = (float("inf"), (entry[1] if entry else 0) + 1)

    def invalidate_all(self) -> None:
        with self._lock:
            self._drop_everything()

    def ping(self) -> str:
        return "ok"


class RedisCache:
    """JSON values in Redis, under keys that carry the generations and the epoch."""

    def __init__(self, url: str, prefix: str):
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix
        self._missed_invalidation = False
        self._recovery_lock = threading.Lock()

    def lookup(self, key: str, names: tuple[str, ...], kind: type):
        """The current generations of ``names`` and the epoch, and the value stored under
        ``key`` if it was computed at those generations (else None), in one round trip;
        None when Redis is unreachable (the caller then skips the cache), and while this
        process still owes Redis an epoch."""
        return self.lookup_many([Entry(names, key, kind)])[0]

    def lookup_many(self, entries: list["Entry"]) -> list:
        """``lookup`` of each entry, all in one round trip."""
        if self._missed_invalidation:
            return [None] * len(entries)
        keys = [self._prefix + name for entry in entries for name in (entry.key, *entry.depends_on, EPOCH)]
        try:
            found = self._client.mget(keys)
        except redis.RedisError:
            return [None] * len(entries)
        values = iter(found)
        results = []
        for entry in entries:
            raw = next(values)
            # (the names first: zip stops at their end without taking the next entry's value)
            generations = [int(value or 0) for _, value in zip((*entry.depends_on, EPOCH), values, strict=False)]
            results.append(self._found(entry, raw, generations))
        return results

    @staticmethod
    def _found(entry: "Entry", raw, generations: list[int]):
        if raw is None:
            return generations, None
        try:
            stored, value = _adapter(tuple[list[int], entry.kind]).validate_json(raw)
        except ValidationError:
            log.warning("ignored a cached value that is not a %s: %s", getattr(entry.kind, "__name__", entry.kind),
                        entry.key)
            return generations, None
        return generations, (value if stored == generations else None)

    def store(self, key: str, generations: list[int], value, kind: type, ttl: int) -> None:
        try:
            self._client.set(self._prefix + key, _encoded(generations, value, kind), ex=ttl)
        except redis.RedisError:
            pass

    def store_many(self, items: list[tuple]) -> None:
        """``store`` of each (key, generations, value, kind, ttl), in one round trip."""
        if len(items) == 1:
            self.store(*items[0])
            return
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for key, generations, value, kind, ttl in items:
                    pipe.set(self._prefix + key, _encoded(generations, value, kind), ex=ttl)
                pipe.execute()
        except redis.RedisError:
            pass

    #: Set by the Redis event bus when it sends the bumps in its own publish pipeline.
    bumped_by_bus = False

    def bump(self, names: Collection[str]) -> None:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                self.add_bump(pipe, names)
                pipe.execute()
        except redis.RedisError:
            self.bump_failed(names)

    @property
    def client(self) -> redis.Redis:
        return self._client

    def add_bump(self, pipe, names: Collection[str]) -> None:
        """Queue the bumps of ``names`` on ``pipe``, a pipeline of ``client``."""
        for name in names:
            pipe.incr(self._prefix + name)

    def bump_failed(self, names: Collection[str]) -> None:
        log.warning("could not invalidate cached figures in Redis (%s); every cached figure is retired "
                    "when Redis answers again", ", ".join(sorted(names)))
        self._retire_when_back()

    def ping(self) -> str:
        """"ok" or "down", on this process's existing connection (no new one per check)."""
        try:
            self._client.ping()
            return "ok"
        except redis.RedisError:
            return "down"

    def invalidate_all(self) -> None:
        """Retire every cached value (a new epoch). Raises if Redis does not answer."""
        self._client.incr(self._prefix + EPOCH)
        self._missed_invalidation = False

    def _retire_when_back(self, interval: float = 1.0) -> None:
        """Keep trying to bump the epoch until Redis answers, even if this process serves no
        further request: other processes must not go on reading what this one's write made stale."""
        with self._recovery_lock:
            if self._missed_invalidation:
                return  # already trying
            self._missed_invalidation = True

        def retry():
            while self._missed_invalidation:
                try:
                    self.invalidate_all()
                except redis.RedisError:
                    time.sleep(interval)

        threading.Thread(target=retry, name="elearn-cache-recovery", daemon=True).start()


def init_cache(app) -> None:
    url = app.config.get("REDIS_URL")
    if "elearn.cache" not in app.extensions:  # (tests start the cache afresh for each test)
        app.teardown_request(_forget_read_ahead)
    app.extensions["elearn.cache"] = (RedisCache(url, app.config["EVENT_CHANNEL"] + ":cache:")
                                      if url else LocalCache())
    committed.connect(_bump_committed, sender=app)


def _bump_committed(app, messages: list[dict]) -> None:
    cache = app.extensions["elearn.cache"]
    if not cache.bumped_by_bus:
        bump_for_events(cache, messages)


class Entry(NamedTuple):
    """A cached value: what it depends on, its key, its type."""

    depends_on: tuple[str, ...]
    key: str
    kind: Any


def cached(entry: Entry, compute: Callable[[], Any], ttl: int = DEFAULT_TTL,
           usable: Callable[[Any], bool] | None = None):
    """``compute()`` (an ``entry.kind``), remembered under ``entry.key`` until one of
    ``entry.depends_on`` is bumped or ``ttl`` ends. A value found that ``usable`` refuses
    is computed again and stored over (``shared_html``: a signature that does not match)."""
    if _bypassed():
        return compute()
    cache = current_app.extensions["elearn.cache"]
    found = _lookup(cache, entry)
    if found is None:
        return compute()
    generations, value = found
    if value is not None and usable is not None and not usable(value):
        value = None
    if value is None:
        replica_reads_before = replica_reads()
        value = compute()
        if replica_reads() != replica_reads_before:  # (the replica may not have the latest change yet)
            ttl = min(ttl, REPLICA_TTL)
        held = g.get("elearn_held_stores")
        if held is None:
            cache.store(entry.key, generations, value, entry.kind, ttl)
        else:  # (stored with the rest; until then, this request's own lookups find it)
            held.append((entry.key, generations, value, entry.kind, ttl))
            g.setdefault("elearn_fetched_ahead", {})[entry] = (generations, value)
    return value


def refresh(entry: Entry, compute: Callable[[], Any], ttl: int = DEFAULT_TTL):
    """``compute()``, stored under ``entry`` whether or not a value is held: for a
    background job that keeps a costly value fresh, so that its readers never compute it."""
    value = compute()
    if current_app.config.get("CACHE_ENABLED", True):
        cache = current_app.extensions["elearn.cache"]
        found = cache.lookup(entry.key, entry.depends_on, entry.kind)
        if found is not None:
            cache.store(entry.key, found[0], value, entry.kind, ttl)
    return value


@contextmanager
def stores_held() -> Iterator[None]:
    """Store what ``cached`` computes inside in one round trip at the end, not one each:
    for a page that computes several values (its figures, its list, itself)."""
    if "elearn_held_stores" in g:  # (an enclosing block stores them)
        yield
        return
    held = g.elearn_held_stores = []
    try:
        yield
    finally:
        g.pop("elearn_held_stores", None)
        if held:
            current_app.extensions["elearn.cache"].store_many(held)


def _bypassed() -> bool:
    """Caching is off, or the request just wrote (it reads its own writes, not the cache)."""
    return not current_app.config.get("CACHE_ENABLED", True) or wrote_in_transaction()


def peek(entry: Entry, computed_next: bool = False):
    """What ``cached`` holds under ``entry`` if it is still current, else None; nothing is
    computed. For a read whose permission check the cached value itself can answer.
    ``computed_next``: on a miss, the caller goes on to ``cached`` the same entry, which
    then stores its value under the generations this lookup read, without a second one."""
    if _bypassed():
        return None
    found = _lookup(current_app.extensions["elearn.cache"], entry, keep_miss=computed_next)
    return None if found is None else found[1]


def read_ahead_for_user(entries_of: Callable[[int], list[Entry]]) -> None:
    """What this request will read once it knows its user: ``user_known`` queues those
    entries to be fetched with the sign-in check, in the same round trip (the JSON
    operations and pages declare theirs, a page's header its unread count), so a cached
    read costs one round trip, not two."""
    g.elearn_read_ahead_for_user = [*g.get("elearn_read_ahead_for_user", ()), entries_of]


def read_ahead(entries: list[Entry]) -> None:
    """Fetch ``entries`` with this request's next lookup, in the same round trip: for a
    view that knows, once it has checked access, every figure its page may read."""
    g.elearn_read_ahead = [*g.get("elearn_read_ahead", ()), *entries]


def user_known(user_id: int) -> None:
    """The request's user is known (before their sign-in is checked): queue what it said
    it would read for them with the next lookup, which is the sign-in check's."""
    queued = g.pop("elearn_read_ahead_for_user", ())
    if queued:
        g.elearn_read_ahead = [*g.get("elearn_read_ahead", ()), *(entry for entries_of in queued
                                                                  for entry in entries_of(user_id))]


_READ_AHEAD = ("elearn_read_ahead_for_user", "elearn_read_ahead", "elearn_fetched_ahead")


def _forget_read_ahead(_error=None) -> None:
    """What a request fetched ahead is its own, even where requests share an app context."""
    for name in _READ_AHEAD:
        g.pop(name, None)


def _lookup(cache, entry: Entry, keep_miss: bool = False):
    """``cache.lookup`` of ``entry``, answered from what an earlier lookup of the request
    fetched ahead, or fetching what is queued with it. ``keep_miss``: a value found missing
    stays fetched, with its generations, for the ``cached`` that computes it next."""
    fetched = g.setdefault("elearn_fetched_ahead", {})
    if entry in fetched:
        found = fetched.pop(entry)
        if keep_miss and found is not None and found[1] is None:
            fetched[entry] = found
        return found
    ahead = [other for other in g.pop("elearn_read_ahead", ()) if other != entry]
    if not ahead:
        found = cache.lookup(entry.key, entry.depends_on, entry.kind)
    else:
        found, *more = cache.lookup_many([entry, *ahead])
        fetched.update(zip(ahead, more, strict=True))
    if keep_miss and found is not None and found[1] is None:
        fetched[entry] = found
    return found


def user_generation(user_id: int) -> str:
    return f"gen:user:{user_id}"


def account_generation(user_id: int) -> str:
    """The user's account and sign-ins (not their progress): what a sign-in check reads."""
    return f"gen:account:{user_id}"


def course_generation(course_id: int) -> str:
    return f"gen:course:{course_id}"


def inbox_generation(user_id: int) -> str:
    """The user's inbox: what the unread count in every page's header reads."""
    return f"gen:inbox:{user_id}"


#: Every inbox at once: a message to more than ``MANY_RECIPIENTS`` people moves this
#: instead of one generation per recipient (a broadcast would otherwise send as many).
INBOXES_GENERATION = "gen:inboxes"
MANY_RECIPIENTS = 100

#: Bumped when a course's modules change: every enrolled learner's numbers move with it.
CATALOG_GENERATION = "gen:catalog"
#: Bumped when a webhook endpoint is registered or deleted: the event types listened to.
WEBHOOKS_GENERATION = "gen:webhooks"
#: Bumped when anyone's name or email changes (an edit, an invitation taken up, an
#: erasure): lists cached as HTML show people by name, whatever course they are in.
PEOPLE_GENERATION = "gen:people"


def invalidate_everything() -> None:
    """After bulk loads that bypass the services (seed-demo, generate)."""
    current_app.extensions["elearn.cache"].bump({CATALOG_GENERATION})


def bump_for_events(cache, messages: list[dict]) -> None:
    """Invalidate what committed events changed: their users' and courses' figures."""
    names = generations_changed_by(messages)
    if names:
        cache.bump(names)


def generations_changed_by(messages: list[dict]) -> set[str]:
    names = set()
    for message in messages:
        if message.get("type") in ("course.updated", "course.deleted"):
            names.add(CATALOG_GENERATION)
        if message.get("type") in ("webhook.registered", "webhook.deleted"):
            names.add(WEBHOOKS_GENERATION)
        if message.get("userId") is not None:
            names.add(user_generation(message["userId"]))
            if str(message.get("type", "")).startswith("user."):
                names.add(account_generation(message["userId"]))
        if message.get("courseId") is not None:
            names.add(course_generation(message["courseId"]))
        names.update(course_generation(course_id) for course_id in message.get("courseIds") or ())
        if message.get("type") in ("message.received", "message.read"):
            readers = [user_id for user_id in message.get("userIds") or [message.get("userId")] if user_id is not None]
            if len(readers) > MANY_RECIPIENTS:
                names.add(INBOXES_GENERATION)
            else:
                names.update(inbox_generation(user_id) for user_id in readers)
    return names
