"""What every benchmark shares: a production-like environment, a throw-away bench database, the machine, tables.

Every script calls :func:`setup` first. It points Django at ``bench.settings``
with DEBUG off and fresh secrets, drops and re-creates the bench database
(``vrm_bench`` on 127.0.0.1 unless BENCH_DATABASE_URL says otherwise) and the bench
key store (the same name plus ``_keystore`` unless BENCH_KEYSTORE_URL says otherwise), refusing any name not
starting with ``vrm_bench`` so nothing else is ever dropped, and migrates both. Benchmarks print figures and assert nothing about time.
"""

import base64
import datetime
import os
import platform
import secrets
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.load import percentile

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vrm_bench"
BENCH_DB_PREFIX = "vrm_bench"


def _ed25519_seed():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.urlsafe_b64encode(raw).decode()


def new_master_key():
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def bench_environment():
    """The environment of a bench run (also handed to gunicorn and writer processes): production-like.

    DEBUG off (no query log, production code paths), fresh secrets for this run
    (the bench database is new each run), plain http on 127.0.0.1.
    """
    env = dict(os.environ)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        # Beside each bench database its own key store, so benchmarks on different databases never share one.
        VRM_KEYSTORE_URL=os.environ.get("BENCH_KEYSTORE_URL", f"{database_url}_keystore"),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        # The bench measures the database path; the broker, cache and mail stay embedded, opted in by name.
        VRM_ALLOW_EMBEDDED=os.environ.get("VRM_ALLOW_EMBEDDED", "filesystem-broker,local-cache,console-email"),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        # whitenoise warns that collectstatic was not run; the bench serves no static files.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )
    for name, make in [
        ("SECRET_KEY", lambda: secrets.token_urlsafe(50)),
        ("VRM_MASTER_KEYS", new_master_key),
        ("VRM_SIGNING_KEY", _ed25519_seed),
        ("VRM_PSEUDONYM_KEY", lambda: secrets.token_urlsafe(32)),
        ("VRM_WEBHOOK_KEY", lambda: secrets.token_urlsafe(32)),
    ]:
        if not os.environ.get(name):
            env[name] = make()
    return env


def database_name(url):
    return urlsplit(url).path.lstrip("/")


def recreate_database(url):
    """Drop and create the bench database (only a database whose name starts with vrm_bench)."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    if not name.startswith(BENCH_DB_PREFIX):
        raise SystemExit(f"refusing to drop {name!r}: the bench database's name must start with {BENCH_DB_PREFIX!r}")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup(*, fresh_database=True):
    """Prepare this process for a benchmark: environment, a new migrated bench database, django.setup()."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.update(bench_environment())
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    if fresh_database:
        recreate_database(os.environ["DATABASE_URL"])
        recreate_database(os.environ["VRM_KEYSTORE_URL"])
    import django

    django.setup()
    if fresh_database:
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", database="keystore", verbosity=0, interactive=False)
        call_command("migrate", verbosity=0, interactive=False)
        print(f"(bench database {database_name(os.environ['DATABASE_URL'])} migrated in "
              f"{time.perf_counter() - started:.1f} s)", file=sys.stderr)


def machine():
    """One line naming the machine: cores, memory, CPU, load, software; printed beside every figure."""
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
    memory_gib = int(meminfo["MemTotal"].split()[0]) / 1024 / 1024
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.machine(),
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    return (
        f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores ({model}), {memory_gib:.1f} GiB, "
        f"load average {load} at start; Python {platform.python_version()}, PostgreSQL {postgres}"
    )


def process_stat(pid):
    """(parent pid, user + system CPU seconds) of a process on this machine, from /proc; None if it is gone."""
    try:
        # Fields after the command name: state is the first, the parent pid the 2nd, utime the 12th, stime the 13th.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def print_table(title, header, rows):
    """A Markdown table (pasted as is into the README)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    sys.stdout.flush()


def per_second(count, seconds):
    return f"{count / seconds:,.0f}" if seconds > 0 else "n/a"


def time_calls(call, repeat):
    """Each call's duration in seconds (perf_counter), one sample per call."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def summary_us(samples):
    """(median, p99) of samples in microseconds, formatted."""
    ordered = sorted(samples)
    return f"{percentile(ordered, 0.5) * 1e6:,.0f}", f"{percentile(ordered, 0.99) * 1e6:,.0f}"
