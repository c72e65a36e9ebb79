from tests.integration.own_broker import own_redis  # noqa: F401 (a fixture: a redis-server of the test's own)
