"""Read path: GET /api/v1/profile against the bare baseline, served by the same gunicorn in the same run.

    .venv/bin/python -m bench.read_path            (or: make bench-read)

Seeds a person with ten attributes, a grant of four read scopes and its token
through the project's services, and the bare baseline's row and plain DOT token;
starts gunicorn (sync workers, a fixed number) on PostgreSQL and the audit
sequencer (``manage.py run_audit_sequencer``, which chains the reads' audit
entries: its CPU is counted with the read path's, and the entries still pending
when each run ends are reported); then drives the endpoints from a separate load
process on 127.0.0.1:

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
LEAN_BASELINE_PATH = "/bench/baseline-lean"
READ_PATH = "/api/v1/profile"
# The goal's reference (issue 8): DOT as shipped. The lean variant borrows the project's token lookup.
BASELINE, LEAN_BASELINE, READ = "baseline", "baseline, project's token lookup", "read path"


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
    stats = (harness.process_stat(path.parent.name) for path in Path("/proc").glob("[0-9]*/stat"))
    return sum(cpu for parent, cpu in filter(None, stats) if parent == master_pid)


def process_cpu_seconds(pid):
    return harness.process_stat(pid)[1]


def start_sequencer(log_path):
    """The audit sequencer, as production runs it beside gunicorn (Procfile)."""
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "manage.py", "run_audit_sequencer"], cwd=harness.REPO,
                                env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def pending_entries():
    from audit.models import AuditEntry

    return AuditEntry.objects.pending().count()


def run_load(url, token, server_pid, sequencer_pid, **mode):
    """One load run in a separate process; its JSON result plus server CPU ms per request.

    Server CPU is gunicorn's workers' plus the audit sequencer's (which works only for the read path).
    Also how many audit entries were still pending the moment the load ended.
    """
    args = [sys.executable, "-m", "bench.load", "--url", url, "--token", token]
    for name, value in mode.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    cpu_before = worker_cpu_seconds(server_pid)
    sequencer_before = process_cpu_seconds(sequencer_pid)
    finished = subprocess.run(args, cwd=harness.REPO, capture_output=True, text=True, check=True)
    result = json.loads(finished.stdout)
    result["pending_at_end"] = pending_entries()
    sequencer = process_cpu_seconds(sequencer_pid) - sequencer_before
    cpu = worker_cpu_seconds(server_pid) - cpu_before + sequencer
    result["server_cpu_ms_per_request"] = cpu * 1000 / result["requests"] if result["requests"] else float("nan")
    result["sequencer_cpu_ms_per_request"] = (
        sequencer * 1000 / result["requests"] if result["requests"] else float("nan")
    )
    return result


def queries_per_request(reader_token, baseline_token):
    """In process, through Django's test client: SQL statements per request of each endpoint (main database,
    then the key store's, each tagged)."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    counts = {}
    for name, path, token in [(BASELINE, BASELINE_PATH, baseline_token), (LEAN_BASELINE, LEAN_BASELINE_PATH, baseline_token),
                              (READ, READ_PATH, reader_token)]:
        client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")  # warm caches of the first request
        with CaptureQueriesContext(connection) as captured, CaptureQueriesContext(connections["keystore"]) as keys:
            response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code} in process: {response.content[:300]!r}")
        counts[name] = [query["sql"] for query in captured.captured_queries]
        counts[name] += [f"[key store] {query['sql']}" for query in keys.captured_queries]
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


def statement_count(statements):
    keys = sum(statement.startswith("[key store]") for statement in statements)
    return f"{len(statements) - keys} + {keys} in the key store" if keys else str(len(statements))


def ratio_row(median, name, reference):
    """A table row: `name`'s medians over `reference`'s (throughput in bold: the goal's figure)."""
    over = {key: median[name][key] / median[reference][key]
            for key in ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_request")}
    return [f"**ratio {name} / {reference}**", f"**{over['rps']:.2f}**", f"{over['p50_ms']:.2f}",
            f"{over['p99_ms']:.2f}", f"{over['server_cpu_ms_per_request']:.2f}", "", "", "", ""]


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
    sequencer = start_sequencer(log_path.with_name("bench-sequencer.log"))
    base = f"http://127.0.0.1:{port}"
    endpoints = [(BASELINE, base + BASELINE_PATH, baseline_token), (LEAN_BASELINE, base + LEAN_BASELINE_PATH, baseline_token),
                 (READ, base + READ_PATH, reader.token)]
    try:
        wait_until_serving(endpoints[0][1], baseline_token, server)
        status, body = get(endpoints[2][1], reader.token)
        if status != 200 or count_values(body) != 10:
            raise SystemExit(f"the read path answered {status}, not ten values: {str(body)[:300]}")
        for _name, url, token in endpoints:  # warm-up, discarded
            run_load(url, token, server.pid, sequencer.pid, connections=args.connections, duration=3)

        closed = {name: [] for name, _, _ in endpoints}
        for _round in range(args.rounds):
            for name, url, token in endpoints:
                closed[name].append(run_load(url, token, server.pid, sequencer.pid, connections=args.connections,
                                             duration=args.duration))
        median = {
            name: {key: statistics.median(run[key] for run in runs)
                   for key in ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_request", "sequencer_cpu_ms_per_request",
                               "pending_at_end")}
            for name, runs in closed.items()
        }
        rate = median[BASELINE]["rps"]
        fixed = []
        for fraction in (0.5, 0.8, 1.0):
            for name, url, token in (endpoints[0], endpoints[2]):
                fixed.append((name, fraction, run_load(url, token, server.pid, sequencer.pid,
                                                       rate=round(rate * fraction, 1), duration=args.duration)))
    finally:
        for process in (server, sequencer):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
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
        ["endpoint", "requests/s", "p50 ms", "p99 ms", "server CPU ms/request (of it sequencer)",
         "SQL statements/request", "audit entries pending at the end", "errors", "rounds' requests/s"],
        [
            [name, f"{median[name]['rps']:,.0f}", ms(median[name]["p50_ms"]), ms(median[name]["p99_ms"]),
             f"{ms(median[name]['server_cpu_ms_per_request'])} ({median[name]['sequencer_cpu_ms_per_request']:.2f})",
             statement_count(queries[name]), f"{median[name]['pending_at_end']:.0f}" if name == READ else "",
             sum(run["errors"] for run in closed[name]), ", ".join(f"{run['rps']:,.0f}" for run in closed[name])]
            for name in closed
        ]
        + [ratio_row(median, READ, reference) for reference in (BASELINE, LEAN_BASELINE)],
    )
    harness.print_table(
        f"Open loop at a fixed rate: the baseline's median throughput ({rate:,.0f}/s), 0.8 and 0.5 of it, "
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
