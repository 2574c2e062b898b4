"""wrk runs: several of a fixed length per endpoint, their medians, parsed from the
``BENCH_JSON`` line the Lua scripts print in ``done()``."""
import json
import os
import subprocess
import time
from pathlib import Path

from .stats import median

LUA = Path(__file__).resolve().parent / "lua"
METRICS = ("rps", "p50_us", "p95_us", "p99_us", "max_us")
ERRORS = ("errors_status", "errors_connect", "errors_read", "errors_write", "errors_timeout", "other_status")


def run_once(url: str, duration: float, connections: int, threads: int, script: str,
             env: dict[str, str]) -> dict:
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s",
               "--timeout", "10s", "-s", str(LUA / script), url]
    run_env = dict(os.environ, BENCH_LUA_DIR=str(LUA), BENCH_THREADS=str(threads), **env)
    result = subprocess.run(command, capture_output=True, text=True, env=run_env, timeout=duration + 60)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"wrk printed no result (exit {result.returncode}): {result.stdout}\n{result.stderr}")


def measured_run(url: str, duration: float, connections: int, threads: int, script: str, env: dict,
                 meter=None, pause: float = 1.0) -> dict:
    """One run, with the CPU each process group spent per request when ``meter`` is given."""
    if meter is not None:
        meter.start()
    result = run_once(url, duration, connections, threads, script, env)
    if meter is not None:
        used, connections = meter.stop()
        result["cpu_ms_per_request"] = {group: round(seconds * 1000 / max(result["requests"], 1), 3)
                                        for group, seconds in used.items()}
        result["cpu_busy"] = round(sum(used.values()) / result["seconds"] / os.cpu_count(), 3)
        result["db_connections_per_1000"] = round(connections * 1000 / max(result["requests"], 1), 1)
    time.sleep(pause)  # let in-flight requests finish before the next run starts
    return result


def combine(results: list[dict]) -> dict:
    """Median of each metric over the runs; errors summed; CPU per request medians."""
    combined = {name: median([r.get(name) for r in results]) for name in METRICS}
    combined["requests"] = sum(r["requests"] for r in results)
    combined["errors"] = sum(r.get(name, 0) for r in results for name in ERRORS)
    if all("cpu_ms_per_request" in r for r in results):
        groups = results[0]["cpu_ms_per_request"]
        combined["cpu_ms_per_request"] = {g: median([r["cpu_ms_per_request"][g] for r in results]) for g in groups}
        combined["cpu_busy"] = median([r["cpu_busy"] for r in results])
        combined["db_connections_per_1000"] = median([r["db_connections_per_1000"] for r in results])
    combined["runs"] = results
    return combined
