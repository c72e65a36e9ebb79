"""PostgreSQL restarts under load. On a throwaway PostgreSQL server of its own (never the shared one), gunicorn
serves vendor reads and a person pausing and resuming a grant while the database stops and starts again.

Every request that fails is a 503 in its caller's format (problem details on the API, a page on the portal),
none goes unanswered and no worker dies; reads succeed again shortly after without restarting gunicorn, and a
restart while the workers sit idle is not seen at all (health-checked persistent connections); every read
served has exactly one audit entry; each grant's status agrees with its last audit event and every change
answered has its one event; the chain verifies.
"""

import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings

from audit.models import AuditEntry
from consents.models import Grant
from tests.processes import audit_sequencer, wait_until
from tests.vrm.test_settings import PRODUCTION
from vrm.settings import BASE_DIR
from vrm.problems import problem_uri

POSTGRES_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                           key=lambda path: [int(part) for part in path.parent.parent.name.split(".")])

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="PostgreSQL only: run with DATABASE_URL=postgres://... (the test then starts a "
                              "throwaway PostgreSQL server of its own to restart)"),
    pytest.mark.skipif(not POSTGRES_BINARIES, reason="needs PostgreSQL's server binaries in /usr/lib/postgresql"),
]

READERS = 3
WARM_READS, OUTAGE_FAILURES, RECOVERED_READS, CHANGES = 20, 10, 20, 2
RECOVERY_SECONDS = 15  # a generous bound on a loaded machine; the figure is printed


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command, *, env=None, cwd=BASE_DIR, timeout=180):
    """Run a command to its end with no stdin (CI has none); fail with its output if it fails."""
    result = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, (
        f"{command[:3]} exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


class ThrowawayPostgres:
    """A PostgreSQL server in a directory of its own on a free port, run by the postgres user (it refuses root).

    Trust authentication, listening on 127.0.0.1 only; fsync off, since nothing here outlives the test.
    """

    def __init__(self, root):
        self.root, self.data, self.port = root, root / "data", free_port()
        self.bin = POSTGRES_BINARIES[-1].parent
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self):
        run([*self.as_owner, str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"], cwd=self.root)

    def pg_ctl(self, *args):
        run([*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args], cwd=self.root,
            timeout=90)

    def start(self):
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg_ctl("-l", str(self.root / "server.log"), "-o", options, "start")

    def stop(self, mode="fast"):
        """Fast: open transactions are rolled back and their connections cut, as in a real restart."""
        self.pg_ctl("-m", mode, "stop")

    def restart(self):
        """Fast, with the options it was started with."""
        self.pg_ctl("-m", "fast", "-l", str(self.root / "server.log"), "restart")

    def is_running(self):
        status = subprocess.run([*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), "status"],
                                stdin=subprocess.DEVNULL, capture_output=True, cwd=self.root)
        return status.returncode == 0


@pytest.fixture
def throwaway_postgres():
    # Under /tmp, not pytest's tmp_path: that sits in a directory only root may enter.
    root = Path(tempfile.mkdtemp(prefix="vrm-pg-restart-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = ThrowawayPostgres(root)
    try:
        server.init()
        server.start()
        with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE vrm")
            admin.execute("CREATE DATABASE vrm_keystore")
        yield server
    finally:
        if server.is_running():
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def production_environment(database_url, var_dir, keystore_url):
    """DEBUG off and the production defaults (persistent, health-checked connections), on the throwaway server."""
    dropped = ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_CONN_MAX_AGE", "CACHE_URL")
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    env.update(PRODUCTION, ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=database_url, VRM_KEYSTORE_URL=keystore_url,
               VRM_VAR_DIR=str(var_dir),
               SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0", CELERY_BROKER_URL="filesystem://",
               LOG_LEVEL="WARNING", PYTHONWARNINGS="ignore:No directory at:UserWarning")
    return env


# A person with a profile, two vendors' grants made through the service (each with its "created" event),
# a token under each, and a portal session of the person's.
SETUP = """
import json
from datetime import timedelta
from django.test import Client
from consents.grants import create_grant
from consents.models import Grant
from tests.factories import UserFactory, issue_token, make_client
from vrm import vault

person = UserFactory()
vault.update_profile(person, category="contact", values={"email": "ada@example.org"})
grants = [
    create_grant(person=person, client=make_client()[0], requested_scopes=["contact:read"], scopes=["contact:read"],
                 purpose=Grant.Purpose.DELIVERY, purpose_text="To deliver parcels", duration=timedelta(days=30),
                 retention=timedelta(days=30))
    for _ in range(2)
]
browser = Client()
browser.force_login(person)
print(json.dumps({"session": browser.cookies["sessionid"].value,
                  "grants": [[str(grant.pk), issue_token(grant)] for grant in grants]}))
"""


@contextmanager
def gunicorn(env, log_path):
    """gunicorn with 2 sync workers, as the benchmarks run it; stopped (its whole process group) on the way out."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "vrm.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--worker-class", "sync", "--graceful-timeout", "5", "--log-level", "warning"]
    with open(log_path, "ab") as log:
        server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()


def pending_entries(database_url):
    with psycopg.connect(database_url) as db:
        return db.execute(f"SELECT count(*) FROM {AuditEntry._meta.db_table} WHERE seq IS NULL").fetchone()[0]


def serving(server, base, token):
    assert server.poll() is None, f"gunicorn exited with {server.returncode}; see its log"
    try:
        return requests.get(f"{base}/api/v1/profile", headers={"Authorization": f"Bearer {token}"},
                            timeout=10).status_code == 200
    except requests.ConnectionError:  # not listening yet
        return False


def worker_pids(server):
    return set(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split())


@dataclass
class Answer:
    kind: str  # "read", "pause" or "resume"
    grant_id: str
    request_id: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all (reset, refused, timed out)
    content_type: str
    body: str

    def problem_type(self):
        return json.loads(self.body).get("type") if "json" in self.content_type else None


class Load:
    """Reader threads on the vendor API and one thread pausing and resuming a grant on the portal, until stopped."""

    def __init__(self, base, grants, session_key):
        self.base, self.grants, self.answers = base, grants, []
        self.csrf = secrets.token_hex(16)  # a CSRF secret of our own, sent as cookie and form field alike
        self.cookie = f"sessionid={session_key}; csrftoken={self.csrf}"
        self.stop, self.lock = threading.Event(), threading.Lock()

    def ask(self, http, kind, grant_id, method, url, headers, **kwargs):
        request_id, started = uuid.uuid4().hex, time.monotonic()
        try:
            response = http.request(method, url, headers={**headers, "X-Request-ID": request_id}, timeout=20,
                                    allow_redirects=False, **kwargs)
            status, content_type, body = response.status_code, response.headers.get("Content-Type", ""), response.text
        except requests.RequestException as error:
            status, content_type, body = None, "", repr(error)
        answer = Answer(kind, grant_id, request_id, started, time.monotonic(), status, content_type, body)
        with self.lock:
            self.answers.append(answer)
        return answer

    def reader(self, number):
        with requests.Session() as http:
            index = number
            while not self.stop.is_set():
                grant_id, token = self.grants[index % len(self.grants)]
                index += 1
                self.ask(http, "read", grant_id, "GET", f"{self.base}/api/v1/profile",
                         headers={"Authorization": f"Bearer {token}"})

    def changer(self, grant_id):
        """Pause, resume, pause...: an action is repeated until it is answered (a 503 may or may not have been kept)."""
        action = "pause"
        with requests.Session() as http:
            while not self.stop.is_set():
                answer = self.ask(http, action, grant_id, "POST", f"{self.base}/connections/{grant_id}/{action}/",
                                  headers={"Cookie": self.cookie},
                                  data={"csrfmiddlewaretoken": self.csrf, f"{action}-reason": "restart test"})
                if answer.status == 302:
                    action = "resume" if action == "pause" else "pause"

    def count(self, predicate):
        with self.lock:
            return sum(1 for answer in self.answers if predicate(answer))

    @contextmanager
    def running(self):
        threads = [threading.Thread(target=self.reader, args=(number,)) for number in range(READERS)]
        threads.append(threading.Thread(target=self.changer, args=(self.grants[1][0],)))
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)


def audit_facts(database_url):
    """From the throwaway database: read entries per request id, each grant's status and last event, event counts."""
    audit, grants = AuditEntry._meta.db_table, Grant._meta.db_table
    with psycopg.connect(database_url) as db:
        reads = {request_id: (grant_id, count) for request_id, grant_id, count in db.execute(
            f"SELECT request_id, grant_id::text, count(*) FROM {audit} WHERE kind = 'access' AND event = 'read' "
            "AND outcome = 'ok' GROUP BY request_id, grant_id")}
        statuses = dict(db.execute(f"SELECT id::text, status FROM {grants}"))
        last_events = {grant_id: (event, status) for grant_id, event, status in db.execute(
            f"SELECT DISTINCT ON (grant_id) grant_id::text, event, detail->>'status' FROM {audit} "
            "WHERE kind = 'grant' ORDER BY grant_id, seq DESC")}
        events = dict(db.execute(f"SELECT event, count(*) FROM {audit} WHERE kind = 'grant' GROUP BY event"))
    return reads, statuses, last_events, events


def test_a_database_restart_under_load_fails_cleanly_recovers_and_loses_nothing(throwaway_postgres, tmp_path):
    env = production_environment(throwaway_postgres.url("vrm"), tmp_path / "var", throwaway_postgres.url("vrm_keystore"))
    began = time.monotonic()
    run([sys.executable, "manage.py", "migrate", "--database", "keystore", "--noinput"], env=env)
    run([sys.executable, "manage.py", "migrate", "--noinput"], env=env)
    made = json.loads(run([sys.executable, "manage.py", "shell", "-c", SETUP], env=env).strip().splitlines()[-1])
    grants = [tuple(pair) for pair in made["grants"]]
    prepared = time.monotonic()

    with gunicorn(env, tmp_path / "gunicorn.log") as (server, base), \
            audit_sequencer(tmp_path / "sequencer.log", interval=0.05, env=env) as sequencer:
        wait_until(lambda: serving(server, base, grants[0][1]), timeout=60, message="gunicorn serving")
        workers, loading = worker_pids(server), time.monotonic()
        with Load(base, grants, made["session"]).running() as load:
            wait_until(lambda: load.count(lambda a: a.status == 200) >= WARM_READS
                       and load.count(lambda a: a.status == 302) >= CHANGES, timeout=60, message="load under way")
            stopping = time.monotonic()
            throwaway_postgres.stop()
            wait_until(lambda: load.count(lambda a: a.started > stopping and a.kind == "read" and a.status != 200)
                       >= OUTAGE_FAILURES and load.count(lambda a: a.started > stopping and a.kind != "read"
                                                         and a.status != 302) >= 1,
                       timeout=30, message="requests failing during the outage")
            throwaway_postgres.start()
            restarted = time.monotonic()
            wait_until(lambda: load.count(lambda a: a.started > restarted and a.status == 200) >= RECOVERED_READS
                       and load.count(lambda a: a.started > restarted and a.status == 302) >= CHANGES,
                       timeout=60, message="reads and changes succeeding after the restart")
        # Again while every worker sits idle on its persistent connection: the health check replaces it unseen.
        throwaway_postgres.restart()
        with requests.Session() as http:
            quiet = [load.ask(http, "read", grant_id, "GET", f"{base}/api/v1/profile",
                              headers={"Authorization": f"Bearer {token}"}) for grant_id, token in [grants[0]] * 6]
        workers_after, still_serving, loaded = worker_pids(server), server.poll() is None, time.monotonic()
        # The sequencer rode out both restarts: it chains every read recorded before, during and after them.
        wait_until(lambda: pending_entries(throwaway_postgres.url("vrm")) == 0, timeout=30,
                   message="the sequencer to chain every pending entry after the restarts")
        sequencer_alive = sequencer.poll() is None
    sequencer_log = (tmp_path / "sequencer.log").read_text()
    answers = load.answers
    reads_ok = [a for a in answers if a.kind == "read" and a.status == 200]
    failed = [a for a in answers if a.status not in (200, 302) and not (a.status == 403 and a.kind == "read")]
    recovered_after = min(a.ended for a in reads_ok if a.started > restarted) - restarted
    reads, statuses, last_events, events = audit_facts(throwaway_postgres.url("vrm"))
    verified = json.loads(run([sys.executable, "manage.py", "verify_audit_log", "--json"], env=env))
    print(f"\n{len(answers)} requests: {len(reads_ok)} reads served, {len(failed)} failed "
          f"(statuses {sorted({a.status for a in failed}, key=str)}), "
          f"{sum(1 for a in failed if a.kind != 'read')} of them portal changes; outage "
          f"{restarted - stopping:.1f} s, reads served again {recovered_after:.2f} s after the restart; "
          f"{sum(1 for a in failed if a.request_id in reads)} failed reads were audited. Migrate and seed "
          f"{prepared - began:.1f} s, gunicorn start {loading - prepared:.1f} s, load {loaded - loading:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f}")

    assert still_serving and workers_after == workers, "a gunicorn worker died or was replaced"
    assert sequencer_alive and sequencer.returncode == 0 and "Stopped; chained" in sequencer_log, sequencer_log
    assert [a for a in answers if a.status is None] == [], "a request went unanswered"
    assert [a.status for a in quiet] == [200] * len(quiet), "a stale connection surfaced after a quiet restart"
    assert {a.status for a in failed} == {503}
    assert all(a.problem_type() == problem_uri("grant-paused") for a in answers if a.status == 403)
    assert all(a.problem_type() == problem_uri("service-unavailable") for a in failed if a.kind == "read")
    assert all(a.content_type.startswith("text/html") and "Temporarily unavailable" in a.body
               for a in failed if a.kind != "read")
    assert all(a.started < restarted and a.ended > stopping for a in failed), "a 503 outside the outage"
    assert recovered_after < RECOVERY_SECONDS
    assert all(reads.get(a.request_id) == (a.grant_id, 1) for a in reads_ok), "a read served without its one entry"
    assert {grant_id for grant_id, _ in grants} == set(statuses) == set(last_events)
    assert all(last_events[grant_id][1] == status for grant_id, status in statuses.items()), (statuses, last_events)
    for action, event in (("pause", "paused"), ("resume", "resumed")):
        assert events.get(event, 0) == sum(1 for a in answers if a.kind == action and a.status == 302)
    assert verified["ok"] and verified["verified_size"] == verified["size"] > len(reads_ok)
    assert verified["pending_entries"] == 0 and not verified["pending_stalled"]
