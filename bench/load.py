"""A small HTTP load generator (standard library only), run as its own process beside the server.

Two modes, both bounded in time and in request count, loopback only:

- closed loop (``--connections N``): N clients each send the next request as
  soon as the previous answer arrived; measures the throughput the server
  sustains and the latency at that load;
- open loop (``--rate R``): requests start on a fixed schedule (R per second)
  whatever the server does; latency counts from the scheduled start, so a
  server that falls behind shows its queueing (no coordinated omission).

Each request is a new connection (``Connection: close``), as gunicorn's sync
workers close after each response. Prints one JSON object on stdout.

    python -m bench.load --url http://127.0.0.1:8765/bench/baseline --token T --connections 8 --duration 15
"""

import argparse
import asyncio
import json
import math
import resource
import sys
import time
from ipaddress import ip_address
from urllib.parse import urlsplit

MAX_REQUESTS = 200_000
MAX_DURATION = 120.0


def percentile(ordered, fraction):
    """Nearest-rank percentile of an already sorted list (fraction 0.5 = median, 0.99 = p99)."""
    if not ordered:
        return float("nan")
    rank = math.ceil(round(len(ordered) * fraction, 9))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def loopback_target(url):
    """(host, port, path) of an http URL on the loopback range; anything else is refused."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"only plain http URLs: {url!r}")
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    if not ip_address(host).is_loopback:
        raise ValueError(f"load is only ever sent to this machine (127.0.0.0/8), not {parts.hostname!r}")
    return host, parts.port or 80, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def request_bytes(host, port, path, token):
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json", "Connection: close"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Tally:
    def __init__(self):
        self.latencies = []
        self.statuses = {}
        self.failures = {}

    async def send(self, host, port, payload, started):
        """One request on a new connection; its latency counts from `started` (perf_counter)."""
        try:
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(payload)
                answer = await reader.read()
            finally:
                writer.close()
            status = int(answer[9:12]) if answer.startswith(b"HTTP/1.") else 0
        except (OSError, ValueError) as error:
            self.failures[type(error).__name__] = self.failures.get(type(error).__name__, 0) + 1
            return
        self.latencies.append(time.perf_counter() - started)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def result(self, elapsed, mode, **extra):
        ordered = sorted(self.latencies)
        ok = sum(count for status, count in self.statuses.items() if 200 <= status < 300)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "mode": mode,
            **extra,
            "requests": len(ordered),
            "ok": ok,
            "errors": len(ordered) - ok + sum(self.failures.values()),
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "failures": self.failures,
            "seconds": round(elapsed, 3),
            "rps": len(ordered) / elapsed if elapsed else 0.0,
            "p50_ms": percentile(ordered, 0.50) * 1000,
            "p90_ms": percentile(ordered, 0.90) * 1000,
            "p99_ms": percentile(ordered, 0.99) * 1000,
            "max_ms": (ordered[-1] * 1000) if ordered else float("nan"),
            "client_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        }


async def closed_loop(url, token, *, connections, duration, max_requests):
    """`connections` clients back to back until `duration` seconds or `max_requests` requests have passed."""
    host, port, path = loopback_target(url)
    payload = request_bytes(host, port, path, token)
    tally = Tally()
    started = time.perf_counter()
    deadline = started + min(duration, MAX_DURATION)
    budget = [min(max_requests, MAX_REQUESTS)]

    async def client():
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            await tally.send(host, port, payload, time.perf_counter())

    await asyncio.gather(*(client() for _ in range(connections)))
    return tally.result(time.perf_counter() - started, "closed", connections=connections)


async def open_loop(url, token, *, rate, duration, max_in_flight):
    """Start round(rate * duration) requests on a fixed schedule; at most `max_in_flight` open at once."""
    host, port, path = loopback_target(url)
    payload = request_bytes(host, port, path, token)
    tally = Tally()
    total = min(int(round(rate * min(duration, MAX_DURATION))), MAX_REQUESTS)
    slots = asyncio.Semaphore(max_in_flight)
    pending = set()

    async def scheduled(at):
        async with slots:
            await tally.send(host, port, payload, at)

    started = time.perf_counter()
    for index in range(total):
        at = started + index / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.ensure_future(scheduled(at))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.gather(*pending)
    return tally.result(time.perf_counter() - started, "open", target_rps=rate)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--duration", type=float, default=15.0, help=f"seconds (at most {MAX_DURATION:.0f})")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--connections", type=int, help="closed loop with this many concurrent clients")
    mode.add_argument("--rate", type=float, help="open loop at this many requests per second")
    parser.add_argument("--max-requests", type=int, default=MAX_REQUESTS)
    parser.add_argument("--max-in-flight", type=int, default=256)
    args = parser.parse_args(argv)
    if args.connections is not None:
        if args.connections < 1:
            parser.error("--connections must be at least 1")
        run = closed_loop(args.url, args.token, connections=args.connections, duration=args.duration,
                          max_requests=args.max_requests)
    else:
        if args.rate <= 0:
            parser.error("--rate must be positive")
        run = open_loop(args.url, args.token, rate=args.rate, duration=args.duration, max_in_flight=args.max_in_flight)
    try:
        result = asyncio.run(run)
    except ValueError as error:
        parser.error(str(error))
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
