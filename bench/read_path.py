"""Read path: GET /api/v1/profile against the bare baseline, served by the same gunicorn in the same run.

    .venv/bin/python -m bench.read_path            (or: make bench-read)

Seeds a person with ten attributes, a grant of four read scopes and its token
through the project's services, and the bare baseline's row and plain DOT token;
starts gunicorn (sync workers, a fixed number) on PostgreSQL; then drives both
endpoints from a separate load process on 127.0.0.1:

1. closed loop, alternating baseline and read path for several rounds: requests/s,
   p50, p99 (medians over the rounds), gunicorn CPU per request, and the ratio;
2. open loop at the baseline's median throughput (and at half of it): p50/p99 of
   both at the same fixed rate.

``--diagnose-async-commit`` turns off synchronous_commit on the bench database
(only there, only for this run) before the load starts: a read's audit append
then commits without waiting for its WAL flush inside the audit chain's lock.
That shows how much of the gap is the flush; it is NOT the product's
configuration, and the output says so.

Prints Markdown tables; asserts nothing about time.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import harness

BASELINE_PATH = "/bench/baseline"
READ_PATH = "/api/v1/profile"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port, workers, log_path):
    command = [
        sys.executable, "-m", "gunicorn", "vrm.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--log-level", "warning", "--error-logfile", str(log_path),
    ]
    return subprocess.Popen(command, cwd=harness.REPO, env=os.environ.copy(), start_new_session=True)


def get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:300]


def wait_until_serving(url, token, server, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see its log")
        try:
            status, _ = get(url, token)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not serve {url} within {timeout:.0f} s")


def worker_cpu_seconds(master_pid):
    """User + system CPU seconds of gunicorn's worker processes (children of the master)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # fields[1] is the parent pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run_load(url, token, server_pid, **mode):
    """One load run in a separate process; its JSON result plus gunicorn CPU ms per request."""
    args = [sys.executable, "-m", "bench.load", "--url", url, "--token", token]
    for name, value in mode.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    cpu_before = worker_cpu_seconds(server_pid)
    finished = subprocess.run(args, cwd=harness.REPO, capture_output=True, text=True, check=True)
    result = json.loads(finished.stdout)
    cpu = worker_cpu_seconds(server_pid) - cpu_before
    result["server_cpu_ms_per_request"] = cpu * 1000 / result["requests"] if result["requests"] else float("nan")
    return result


def queries_per_request(reader_token, baseline_token):
    """In process, through Django's test client: SQL statements per request of each endpoint."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    counts = {}
    for name, path, token in [("baseline", BASELINE_PATH, baseline_token), ("read path", READ_PATH, reader_token)]:
        client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")  # warm caches of the first request
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code} in process: {response.content[:300]!r}")
        counts[name] = [query["sql"] for query in captured.captured_queries]
    return counts


ASYNC_COMMIT_NOTE = (
    "DIAGNOSTIC RUN: synchronous_commit = off on the bench database. A commit does not wait for its WAL flush, "
    "so these figures are NOT the product's configuration (which keeps every audit entry durable on commit)."
)


def set_synchronous_commit(enabled):
    """Diagnostic only: the bench database's synchronous_commit for every new connection (gunicorn's)."""
    from django.db import connection

    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        if enabled:
            cursor.execute(f"ALTER DATABASE {name} RESET synchronous_commit")
        else:
            cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")


def count_values(body):
    return sum(len(values) for values in body["profile"].values())


def ms(value):
    return f"{value:,.1f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Read path against the bare baseline.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--connections", type=int, default=4, help="closed-loop clients (default 4)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per load run (default 15)")
    parser.add_argument("--rounds", type=int, default=3, help="closed-loop rounds per endpoint (default 3)")
    parser.add_argument("--show-sql", action="store_true", help="print each endpoint's SQL statements")
    parser.add_argument("--diagnose-async-commit", action="store_true",
                        help="diagnostic: synchronous_commit off on the bench database (not the product's setting)")
    args = parser.parse_args(argv)

    harness.setup()
    from bench.seed import seed_baseline, seed_reader

    reader = seed_reader()
    baseline_token = seed_baseline(reader.person, reader.client)
    queries = queries_per_request(reader.token, baseline_token)
    machine = harness.machine()
    if args.diagnose_async_commit:
        print(f"\n{ASYNC_COMMIT_NOTE}\n", file=sys.stderr)
        set_synchronous_commit(False)

    port = free_port()
    log_path = harness.REPO / "var" / "bench-gunicorn.log"
    log_path.parent.mkdir(exist_ok=True)
    server = start_gunicorn(port, args.workers, log_path)
    base = f"http://127.0.0.1:{port}"
    endpoints = [("baseline", base + BASELINE_PATH, baseline_token), ("read path", base + READ_PATH, reader.token)]
    try:
        wait_until_serving(endpoints[0][1], baseline_token, server)
        status, body = get(endpoints[1][1], reader.token)
        if status != 200 or count_values(body) != 10:
            raise SystemExit(f"the read path answered {status}, not ten values: {str(body)[:300]}")
        for _name, url, token in endpoints:  # warm-up, discarded
            run_load(url, token, server.pid, connections=args.connections, duration=3)

        closed = {name: [] for name, _, _ in endpoints}
        for _round in range(args.rounds):
            for name, url, token in endpoints:
                closed[name].append(run_load(url, token, server.pid, connections=args.connections,
                                             duration=args.duration))
        median = {
            name: {key: statistics.median(run[key] for run in runs)
                   for key in ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_request")}
            for name, runs in closed.items()
        }
        rate = median["baseline"]["rps"]
        fixed = []
        for fraction in (0.5, 1.0):
            for name, url, token in endpoints:
                fixed.append((name, fraction, run_load(url, token, server.pid, rate=round(rate * fraction, 1),
                                                       duration=args.duration)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if args.diagnose_async_commit:
            set_synchronous_commit(True)

    if args.diagnose_async_commit:
        print(f"\n**{ASYNC_COMMIT_NOTE}**")
    print(f"\nMachine: {machine}")
    print(f"gunicorn: {args.workers} sync workers on 127.0.0.1, PostgreSQL {harness.database_name(os.environ['DATABASE_URL'])}"
          f"; load: a separate process, new connection per request.")
    harness.print_table(
        f"Closed loop: {args.connections} concurrent clients, {args.rounds} rounds of {args.duration:.0f} s per endpoint "
        "(medians over rounds)",
        ["endpoint", "requests/s", "p50 ms", "p99 ms", "gunicorn CPU ms/request", "SQL statements/request",
         "errors", "rounds' requests/s"],
        [
            [name, f"{median[name]['rps']:,.0f}", ms(median[name]["p50_ms"]), ms(median[name]["p99_ms"]),
             ms(median[name]["server_cpu_ms_per_request"]), len(queries[name]),
             sum(run["errors"] for run in closed[name]), ", ".join(f"{run['rps']:,.0f}" for run in closed[name])]
            for name in closed
        ]
        + [[
            "**ratio read path / baseline**",
            f"**{median['read path']['rps'] / median['baseline']['rps']:.2f}**",
            f"{median['read path']['p50_ms'] / median['baseline']['p50_ms']:.2f}",
            f"{median['read path']['p99_ms'] / median['baseline']['p99_ms']:.2f}",
            f"{median['read path']['server_cpu_ms_per_request'] / median['baseline']['server_cpu_ms_per_request']:.2f}",
            "", "", "",
        ]],
    )
    harness.print_table(
        f"Open loop at a fixed rate: the baseline's median throughput ({rate:,.0f}/s) and half of it, "
        f"{args.duration:.0f} s each",
        ["endpoint", "target requests/s", "achieved requests/s", "p50 ms", "p99 ms", "max ms", "errors"],
        [
            [name, f"{run['target_rps']:,.0f}", f"{run['rps']:,.0f}", ms(run["p50_ms"]), ms(run["p99_ms"]),
             ms(run["max_ms"]), run["errors"]]
            for name, _fraction, run in fixed
        ],
    )
    client_cpu = max(run["client_cpu_seconds"] / run["seconds"] for runs in closed.values() for run in runs)
    print(f"\nThe load process used at most {client_cpu:.0%} of one core during a closed-loop run.")
    if args.show_sql:
        for name, statements in queries.items():
            print(f"\n{name}:")
            for statement in statements:
                print(f"  {statement}")


if __name__ == "__main__":
    main()
