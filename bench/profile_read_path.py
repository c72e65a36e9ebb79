"""Where a read path request spends its time: pyinstrument over many in-process requests of each endpoint.

    .venv/bin/python -m bench.profile_read_path [--requests 500] [--html var/profile]

Same seed and the same settings as bench.read_path, but the requests go through
Django's test client in this process (no HTTP, no other process), so the profile
shows only the server's own work: mean wall time per request and the call tree.
"""

import argparse
import time

from bench import harness
from bench.read_path import BASELINE, BASELINE_PATH, LEAN_BASELINE, LEAN_BASELINE_PATH, READ, READ_PATH


def main(argv=None):
    parser = argparse.ArgumentParser(description="Profile the read path and the baseline in process.")
    parser.add_argument("--requests", type=int, default=500, help="profiled requests per endpoint (default 500)")
    parser.add_argument("--html", help="also write pyinstrument's HTML reports into this folder")
    args = parser.parse_args(argv)

    harness.setup()
    from django.test import Client
    from pyinstrument import Profiler

    from bench.seed import seed_baseline, seed_reader

    reader = seed_reader()
    baseline_token = seed_baseline(reader.person, reader.client)
    print(f"Machine: {harness.machine()}")
    client = Client(SERVER_NAME="127.0.0.1")
    endpoints = [(BASELINE, BASELINE_PATH, baseline_token), (LEAN_BASELINE, LEAN_BASELINE_PATH, baseline_token),
                 (READ, READ_PATH, reader.token)]
    for name, path, token in endpoints:
        header = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        for _ in range(50):  # warm-up
            client.get(path, **header)
        started = time.perf_counter()
        for _ in range(args.requests):
            client.get(path, **header)
        plain = (time.perf_counter() - started) / args.requests
        profiler = Profiler(interval=0.0002)
        started = time.perf_counter()
        with profiler:
            for _ in range(args.requests):
                response = client.get(path, **header)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
        elapsed = time.perf_counter() - started
        print(f"\n## {name}: {plain * 1000:.2f} ms per request in process without the profiler, "
              f"{elapsed / args.requests * 1000:.2f} ms with it ({args.requests} requests each)\n")
        print(profiler.output_text(unicode=True, color=False, show_all=False, timeline=False))
        if args.html:
            folder = harness.REPO / args.html
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name.split(',')[0].replace(' ', '_')}{'_lean' if name == LEAN_BASELINE else ''}.html").write_text(profiler.output_html())


if __name__ == "__main__":
    main()
