"""The shop's own customer store: a JSON file, keyed by the VRM grant the data was read under."""

import json
import threading
from pathlib import Path

import settings

_lock = threading.Lock()


def _load():
    path = Path(settings.DATA_FILE)
    return json.loads(path.read_text()) if path.exists() else {}


def _save(data):
    path = Path(settings.DATA_FILE)
    path.with_suffix(".tmp").write_text(json.dumps(data, indent=2))
    path.with_suffix(".tmp").replace(path)


def save(grant_id, profile):
    with _lock:
        data = _load()
        data[grant_id] = profile
        _save(data)


def get(grant_id):
    return _load().get(grant_id)


def forget(grant_id):
    """Delete everything read under this grant; returns whether there was anything."""
    with _lock:
        data = _load()
        found = data.pop(grant_id, None) is not None
        _save(data)
        return found
