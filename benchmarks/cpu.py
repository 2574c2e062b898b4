"""Where the CPU went during a run: the server's workers, PostgreSQL, Redis, the load tool.

Two cores serve everything here, so a request's cost in CPU time, by process group, says
more about what limits throughput than its latency does. Times come from the scheduler's
own nanosecond counters (/proc/PID/task/*/schedstat, summed over a process's threads),
not from utime/stime, which the kernel samples at each timer tick and so misses the
sub-millisecond bursts of a PostgreSQL backend answering one small query; the load
tool's come from the suite's own children (getrusage).

PostgreSQL forks a backend per connection, and a pool that opens and closes connections
under load makes backends that live for a few requests only: their CPU is counted through
the postmaster, which collects its children's times when they exit, and the connections
opened are counted from ``pg_stat_database.sessions``.
"""
import os
import resource

import psycopg2

from . import settings

HERTZ = os.sysconf("SC_CLK_TCK")
_stats_connection = None


def _cpu_seconds(pid: int) -> float:
    """CPU time of every live thread of ``pid`` (threads that ended are not counted: the
    servers' threads live as long as their worker)."""
    total = 0
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def _processes(match) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if match(cmdline):
                found.append(int(entry))
    return found


def postgres_backends(database: str) -> list[int]:
    return _processes(lambda cmd: cmd.startswith("postgres: ") and f" {database} " in cmd)


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _children_seconds(pid: int) -> float:
    """CPU time of ``pid``'s children that have exited (cutime + cstime)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / HERTZ
    except (OSError, IndexError, ValueError):
        return 0.0


def sessions_opened(database: str) -> int:
    """Connections ever opened to ``database`` (one extra, once: the suite's own)."""
    global _stats_connection
    if _stats_connection is None or _stats_connection.closed:
        _stats_connection = psycopg2.connect(settings.dsn())
        _stats_connection.autocommit = True
    with _stats_connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (database,))
        return cur.fetchone()[0]


def redis_servers() -> list[int]:
    return _processes(lambda cmd: cmd.startswith("redis-server"))


class Meter:
    """CPU seconds per group between ``start()`` and ``stop()``."""

    def __init__(self, app_pids: list[int], database: str):
        self.app_pids = app_pids
        self.database = database

    def _snapshot(self) -> dict:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        backends = postgres_backends(self.database)
        postmaster = _parent(backends[0]) if backends else None
        return {
            "app": {pid: _cpu_seconds(pid) for pid in self.app_pids},
            "postgres": {pid: _cpu_seconds(pid) for pid in backends},
            "postmaster": postmaster,
            "postmaster itself": _cpu_seconds(postmaster) if postmaster else 0.0,
            "exited backends": _children_seconds(postmaster) if postmaster else 0.0,
            "redis": {pid: _cpu_seconds(pid) for pid in redis_servers()},
            "load tool": children.ru_utime + children.ru_stime,
            "sessions": sessions_opened(self.database),
        }

    def start(self) -> None:
        self._before = self._snapshot()

    def stop(self) -> tuple[dict[str, float], int]:
        """CPU seconds by group, and the PostgreSQL connections opened meanwhile.

        PostgreSQL's share includes the postmaster (it forks each new connection) and the
        backends that exited during the run, whose times the postmaster collects; those
        may include other databases' backends on a shared server.
        """
        after, before = self._snapshot(), self._before
        used = {"load tool": after["load tool"] - before["load tool"]}
        for group in ("app", "postgres", "redis"):
            used[group] = sum(t - before[group].get(pid, 0.0) for pid, t in after[group].items())
        if after["postmaster"] and after["postmaster"] == before["postmaster"]:
            already_counted = sum(t for pid, t in before["postgres"].items() if pid not in after["postgres"])
            used["postgres"] += max(0.0, after["exited backends"] - before["exited backends"] - already_counted)
            used["postgres"] += after["postmaster itself"] - before["postmaster itself"]
        return used, after["sessions"] - before["sessions"]
