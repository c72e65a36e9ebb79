"""vendors/access.py and the daily read limit: only profile reads count, exactly, across processes."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from audit.models import AuditEntry
from consents.exceptions import RateLimited
from consents.grants import count_read
from consents.models import DailyReadCount
from tests.factories import issue_token, make_grant
from tests.processes import child_database_env
from vrm.problems import problem_uri
from vrm.settings import BASE_DIR

COUNT_IN_CHILD = """
import json, django
django.setup()
from consents.exceptions import RateLimited
from consents.grants import count_read
from consents.models import Grant
grant = Grant.objects.get(pk="{grant_id}")
served = refused = 0
for _ in range({reads}):
    try:
        count_read(grant)
        served += 1
    except RateLimited:
        refused += 1
print(json.dumps([served, refused]))
"""


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.django_db
def test_only_profile_reads_count_against_the_daily_limit(client, person):
    grant = make_grant(person=person, max_reads_per_day=2)
    headers = bearer(issue_token(grant))

    others = [client.get(url, **headers).status_code for url in ["/api/v1/grant", "/api/v1/receipts"] * 3]
    reads = [client.get("/api/v1/profile", **headers) for _ in range(3)]
    after = client.get("/api/v1/grant", **headers)

    assert others == [200] * 6 and [r.status_code for r in reads] == [200, 200, 429] and after.status_code == 200
    assert reads[2].json()["type"] == problem_uri("rate-limited")
    assert 0 < int(reads[2]["Retry-After"]) <= 24 * 3600
    refusal = AuditEntry.objects.filter(grant_id=grant.pk, kind="access", outcome="refused").get()
    assert refusal.event == "read"


@pytest.mark.django_db
def test_the_count_lives_in_the_database_not_the_cache(person):
    grant = make_grant(person=person, max_reads_per_day=2)
    now = timezone.now()
    count_read(grant, now=now)
    cache.clear()
    count_read(grant, now=now)
    cache.clear()

    with pytest.raises(RateLimited):
        count_read(grant, now=now)
    assert DailyReadCount.objects.get(grant=grant).reads == 2


@pytest.mark.django_db
def test_a_new_utc_day_starts_a_new_count(person):
    grant = make_grant(person=person, max_reads_per_day=1)
    today = timezone.now()
    count_read(grant, now=today)

    count_read(grant, now=today + timedelta(days=1))

    with pytest.raises(RateLimited) as refused:
        count_read(grant, now=today)
    assert 0 < int(refused.value.headers["Retry-After"]) <= 24 * 3600


@pytest.mark.django_db
def test_a_grant_without_a_limit_keeps_no_count(person):
    grant = make_grant(person=person, max_reads_per_day=None)

    for _ in range(3):
        count_read(grant)

    assert not DailyReadCount.objects.exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_limit_is_exact_across_processes(person):
    """Three processes (each with its own local cache) read concurrently: exactly the limit is served."""
    grant = make_grant(person=person, max_reads_per_day=5)
    env = dict(os.environ, **child_database_env(), DJANGO_SETTINGS_MODULE="vrm.settings")
    env.pop("CACHE_URL", None)
    code = COUNT_IN_CHILD.format(grant_id=grant.pk, reads=4)
    children = [subprocess.Popen([sys.executable, "-c", code], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(3)]

    results = [child.communicate(timeout=120) for child in children]

    assert all(child.returncode == 0 for child in children), [err[-2000:] for _, err in results]
    served, refused = map(sum, zip(*(json.loads(out.strip().splitlines()[-1]) for out, _ in results)))
    assert (served, refused) == (5, 7)
    assert DailyReadCount.objects.get(grant=grant).reads == 5
