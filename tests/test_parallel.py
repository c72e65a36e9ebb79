"""`make test` spreads tests over pytest-xdist workers: each worker must have test databases (main and key
store) and a Celery queue of its own, or workers would see each other's rows and take each other's tasks."""

import json
import os
import subprocess
import sys

import pytest

from tests.env import _cache_url_of_worker
from vrm.settings import BASE_DIR

PROBE = '''
import json, os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections


@pytest.mark.django_db(databases=["default", "keystore"])
@pytest.mark.parametrize("n", range(8))
def test_probe(n, worker_id):
    Path(os.environ["PROBE_DIR"], f"{n}.json").write_text(json.dumps({
        "worker": worker_id,
        "default": connections["default"].settings_dict["NAME"],
        "keystore": connections["keystore"].settings_dict["NAME"],
        "queue": settings.CELERY_TASK_DEFAULT_QUEUE,
        "cache": settings.CACHES["default"].get("LOCATION", ""),
    }))
'''


@pytest.mark.integration
def test_each_xdist_worker_has_its_own_test_databases_and_celery_queue(tmp_path):
    probe_dir = tmp_path / "out"
    probe_dir.mkdir()
    (tmp_path / "test_probe.py").write_text(PROBE)
    env_python = (f"import os, sys; os.environ['PROBE_DIR'] = {str(probe_dir)!r}; "
                  "import pytest; sys.exit(pytest.main(sys.argv[1:]))")
    result = subprocess.run(
        [sys.executable, "-c", env_python, "-c", str(BASE_DIR / "pytest.ini"), "--rootdir", str(BASE_DIR),
         "-n", "2", "-p", "no:cacheprovider", "-q", str(tmp_path / "test_probe.py")],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    records = [json.loads(path.read_text()) for path in probe_dir.glob("*.json")]
    by_worker = {}
    for record in records:
        by_worker.setdefault(record["worker"], []).append(record)

    assert len(records) == 8 and sorted(by_worker) == ["gw0", "gw1"]
    # A Redis cache is shared between processes, so each worker needs its own database (a per-process memory cache
    # is separate anyway).
    shared_cache = os.environ.get("CACHE_URL", "").startswith("redis")
    for name in ("default", "keystore", "queue") + (("cache",) if shared_cache else ()):
        per_worker = {worker: {record[name] for record in rows} for worker, rows in by_worker.items()}
        assert all(len(values) == 1 for values in per_worker.values()), per_worker
        assert per_worker["gw0"] != per_worker["gw1"], name


def test_each_worker_gets_its_own_redis_cache_database():
    urls = [_cache_url_of_worker("redis://127.0.0.1:6379/1", worker) for worker in ("gw0", "gw1")]

    assert urls == ["redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/9"]
