import pytest

from tests.processes import celery_worker


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real Celery worker process on the configured broker, reading this session's test database."""
    with celery_worker(tmp_path / "worker.log") as process:
        yield process
