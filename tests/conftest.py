"""Project-wide fixtures: an API key, the official Stigg client against the live server, a raw API client.

The suite runs with pytest-xdist on PostgreSQL: the embedded server in ``.pgdata/`` by default, or the server of
``DATABASE_URL``; either way pytest-django gives each worker its own ``test_<name>_gw<N>`` database.
"""

import os
from collections.abc import Iterator

import pytest
import stigg
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from config.api_keys import api_key_create

# Plugins: the fuzz tests' seeded world (``world``, for the REST and the GraphQL fuzz tests), a real Celery worker
# (``worker_queue``), the periodic jobs run at a moment (``tick``), and how transactional tests empty the database.
pytest_plugins = ["tests.fuzz_world", "tests.support.celery_worker", "tests.support.clock", "tests.flush_by_delete"]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Admin tests log users in; the default PBKDF2 hasher would dominate their run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # With REDIS_URL the cache is one shared Redis: keep xdist workers from reading each other's entries.
    settings.CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    # Tasks run in-process in tests; a test about a job's behaviour on a real worker starts one and turns this off.
    from config.celery import app

    app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _fresh_decision_cache() -> None:
    """With Redis, cached entitlement answers outlive a test's database: start every test with none reachable."""
    from config.decision_cache import invalidate_all

    invalidate_all()


@pytest.fixture
def api_key(db: None) -> str:
    """The raw secret of a fresh, active API key."""
    _, raw_key = api_key_create(name="tests", now=timezone.now())
    return raw_key


@pytest.fixture
def stigg_client(live_server: LiveServer, api_key: str) -> Iterator[stigg.Stigg]:
    """The official client, pointed at the live server. No retries, so each call is exactly one request."""
    client = stigg.Stigg(api_key=api_key, base_url=live_server.url, max_retries=0)
    yield client
    client.close()


@pytest.fixture
def api_client(api_key: str) -> APIClient:
    """A DRF test client that sends the API key, for raw HTTP checks."""
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client
