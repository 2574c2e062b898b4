"""2,000 held ``/api/ws`` connections while 200 students mark modules over HTTP.

Run by the suite in a process of its own (``python -m benchmarks.websocket_load PLAN
RESULT``, JSON files), so that the server's two workers and this client do not share an
interpreter. One asyncio loop (aiohttp) holds every socket and drives the markers, so
every timestamp comes from one monotonic clock:

- each subscriber is a different student (a token of their own); the markers are 200 of
  them, so each event has exactly one subscriber: the student who made the change;
- a marker completes one of its open modules every ``mark_interval`` seconds on average
  (exponential gaps), each a real first completion, so each answers 200 with one event;
- the delay of an event is its receipt on the subscriber's socket minus the moment the
  marker had read the HTTP response (never below zero: an event published at commit can
  beat the response it belongs to; how often that happened is reported);
- a socket the server closes before the end is "dropped"; one that never completed the
  handshake and its ``hello`` within ``connect_timeout`` is "not connected".
"""
import asyncio
import gc
import json
import random
import resource
import subprocess
import sys
import time
from collections import Counter

import aiohttp

from .stats import summary_ms


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def server_side(port: int, worker_pids: list[int]) -> dict:
    """Established connections per worker (``ss``), and each worker's threads and memory."""
    counts = Counter()
    try:
        out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            for pid in worker_pids:
                if f"pid={pid}," in line:
                    counts[pid] += 1
    except (OSError, subprocess.SubprocessError):
        pass
    workers = {}
    for pid in worker_pids:
        status = {}
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    status[key] = value.strip()
        except OSError:
            continue
        workers[str(pid)] = {"connections": counts[pid], "threads": int(status.get("Threads", 0)),
                             "rss_mib": round(int(status.get("VmRSS", "0 kB").split()[0]) / 1024, 1)}
    return workers


class Load:
    def __init__(self, plan: dict):
        self.plan = plan
        self.base = plan["base_url"]
        self.sockets: dict[int, aiohttp.ClientWebSocketResponse] = {}
        self.not_connected: Counter = Counter()
        self.connect_seconds: list[float] = []
        self.dropped: list[dict] = []
        self.closing = False
        self.receipts: dict[tuple[int, int], float] = {}
        self.unexpected_events = 0
        self.marks: list[dict] = []
        self.readers: list[asyncio.Task] = []

    async def connect(self, session, user_id: int, token: str) -> None:
        started = time.monotonic()
        try:
            ws = await asyncio.wait_for(
                session.ws_connect(f"{self.base.replace('http', 'ws', 1)}/api/ws?token={token}",
                                   autoping=True, max_msg_size=0),
                self.plan["connect_timeout"])
            hello = await asyncio.wait_for(ws.receive(), self.plan["connect_timeout"])
        except Exception as error:  # noqa: BLE001  (every failure is counted by kind)
            self.not_connected[type(error).__name__] += 1
            return
        if hello.type != aiohttp.WSMsgType.TEXT or json.loads(hello.data).get("type") != "hello":
            self.not_connected[f"no hello ({hello.type.name})"] += 1
            await ws.close()
            return
        self.connect_seconds.append(time.monotonic() - started)
        self.sockets[user_id] = ws
        self.readers.append(asyncio.create_task(self.read(user_id, ws)))

    async def connect_all(self, session) -> None:
        """Open the sockets at ``connect_rate`` a second, each with its own timeout: a
        server that stops answering handshakes delays the phase by one timeout, not one
        per socket."""
        tasks = []
        for user_id, token in self.plan["subscribers"].items():
            tasks.append(asyncio.create_task(self.connect(session, int(user_id), token)))
            await asyncio.sleep(1 / self.plan["connect_rate"])
        await asyncio.gather(*tasks)

    async def read(self, user_id: int, ws) -> None:
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            received = time.monotonic()
            event = json.loads(message.data)
            if event.get("type") != "progress.updated":
                continue
            if event.get("userId") != user_id:
                self.unexpected_events += 1
            self.receipts.setdefault((event["enrollmentId"], event["moduleId"]), received)
        if not self.closing:
            self.dropped.append({"userId": user_id, "closeCode": ws.close_code})

    async def marker(self, session, marker: dict, until: float, rng: random.Random) -> None:
        headers = {"Authorization": f"Bearer {marker['token']}"}
        for enrollment_id, module_id in marker["tasks"]:
            await asyncio.sleep(rng.expovariate(1 / self.plan["mark_interval"]))
            if time.monotonic() >= until:
                return
            sent = time.monotonic()
            record = {"enrollmentId": enrollment_id, "moduleId": module_id, "sent": sent}
            try:
                async with session.post(f"{self.base}/api/progress/mark-completed/{enrollment_id}/{module_id}",
                                        headers=headers) as response:
                    await response.read()
                    record["status"] = response.status
            except Exception as error:  # noqa: BLE001
                record["status"] = type(error).__name__
            record["answered"] = time.monotonic()
            self.marks.append(record)

    async def run(self) -> dict:
        plan = self.plan
        result = {"open_files_limit": raise_open_files_limit()}
        ws_session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                           timeout=aiohttp.ClientTimeout(total=None))
        http_session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=len(plan["markers"])),
            timeout=aiohttp.ClientTimeout(total=plan["request_timeout"]))
        try:
            started = time.monotonic()
            await self.connect_all(ws_session)
            result["connect_phase_seconds"] = round(time.monotonic() - started, 2)
            result["attempted"] = len(plan["subscribers"])
            result["connected"] = len(self.sockets)
            result["not_connected"] = dict(self.not_connected)
            result["handshake_ms"] = summary_ms(self.connect_seconds)
            # This process's own full garbage collections walk the 10,000 sockets' objects
            # (up to 430 ms measured) and would delay the receipts it times: what is held
            # now is frozen, never walked again.
            gc.collect()
            gc.freeze()
            await asyncio.sleep(plan["settle"])
            result["server_while_held"] = server_side(plan["port"], plan["worker_pids"])

            rng = random.Random(plan["seed"])
            until = time.monotonic() + plan["duration"]
            await asyncio.gather(*(self.marker(http_session, m, until, random.Random(rng.random()))
                                   for m in plan["markers"]))
            expected = [m for m in self.marks if m["status"] == 200]
            grace_until = time.monotonic() + plan["grace"]
            while time.monotonic() < grace_until and any((m["enrollmentId"], m["moduleId"]) not in self.receipts
                                                         for m in expected):
                await asyncio.sleep(0.05)
            result["server_after_marks"] = server_side(plan["port"], plan["worker_pids"])
            result["still_open"] = sum(1 for ws in self.sockets.values() if not ws.closed)
        finally:
            self.closing = True
            await asyncio.gather(*(ws.close() for ws in self.sockets.values()), return_exceptions=True)
            await asyncio.gather(*self.readers, return_exceptions=True)
            await ws_session.close()
            await http_session.close()

        delays, before_response, after_sent, missing = [], 0, [], 0
        for mark in expected:
            received = self.receipts.get((mark["enrollmentId"], mark["moduleId"]))
            if received is None:
                missing += 1
                continue
            after_sent.append(received - mark["sent"])
            if received < mark["answered"]:
                before_response += 1
            delays.append(max(0.0, received - mark["answered"]))
        statuses = Counter(str(m["status"]) for m in self.marks)
        http_seconds = [m["answered"] - m["sent"] for m in expected]
        result.update({
            "marks_sent": len(self.marks),
            "mark_statuses": dict(statuses),
            "mark_rate_per_s": round(len(self.marks) / plan["duration"], 1),
            "mark_http_ms": summary_ms(http_seconds),
            "events_expected": len(expected),
            "events_received": len(expected) - missing,
            "events_missing": missing,
            "events_before_response": before_response,
            "event_delay_ms": summary_ms(delays),
            "event_delay_from_request_ms": summary_ms(after_sent),
            "unexpected_events": self.unexpected_events,
            "dropped": len(self.dropped),
            "dropped_close_codes": dict(Counter(str(d["closeCode"]) for d in self.dropped)),
        })
        return result


def main() -> int:
    plan_path, result_path = sys.argv[1], sys.argv[2]
    with open(plan_path) as f:
        plan = json.load(f)
    result = asyncio.run(Load(plan).run())
    with open(result_path, "w") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
