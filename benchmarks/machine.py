"""What the numbers were measured on, and what else was using the machine meanwhile."""
import os
import platform
import subprocess

import psycopg2

from . import settings


def _first_line(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def describe() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        total_kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    with psycopg2.connect(settings.dsn("postgres")) as conn, conn.cursor() as cur:
        cur.execute("SHOW server_version")
        postgres = cur.fetchone()[0]
        cur.execute("SELECT name, setting, unit FROM pg_settings WHERE name IN "
                    "('shared_buffers', 'work_mem', 'max_connections', 'effective_cache_size', 'jit', 'autovacuum', 'synchronous_commit')")
        pg_settings = {name: f"{setting}{' ' + unit if unit else ''}" for name, setting, unit in cur.fetchall()}
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "postgresql_settings": pg_settings,
        "redis": _first_line(["redis-server", "--version"]),
        "wrk": _first_line(["wrk", "--version"]),
        "gunicorn": _package_version("gunicorn"),
        "gevent": _package_version("gevent"),
    }


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def load_average() -> tuple[float, float, float]:
    with open("/proc/loadavg") as f:
        one, five, fifteen = f.read().split()[:3]
    return float(one), float(five), float(fifteen)


def other_busy_processes(exclude_pids: set[int] = frozenset(), min_cpu: float = 5.0) -> list[str]:
    """Processes not ours using the CPU right now (``ps`` over its lifetime-averaged %CPU
    is useless here, so sample /proc twice, one second apart)."""
    def ticks() -> dict[int, tuple[int, str]]:
        found = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            found[int(entry)] = (int(fields[11]) + int(fields[12]), cmdline or stat.split("(", 1)[1].split(")")[0])
        return found

    import time

    before = ticks()
    time.sleep(1.0)
    after = ticks()
    hertz = os.sysconf("SC_CLK_TCK")
    busy = []
    for pid, (total, name) in after.items():
        if pid in exclude_pids or pid == os.getpid() or pid not in before:
            continue
        cpu = (total - before[pid][0]) * 100 / hertz
        if cpu >= min_cpu:
            busy.append((cpu, f"{cpu:.0f}% {name[:90]}"))
    return [text for _, text in sorted(busy, reverse=True)]
