"""The retry policy of the apps' Celery tasks, typed so that ``shared_task(**RETRY)`` is checked."""

from typing import TypedDict

from django.db import OperationalError


class RetryOptions(TypedDict):
    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: bool
    max_retries: int


# Transient database failures (a deadlock victim, a dropped connection) are retried; anything else is a bug.
RETRY: RetryOptions = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}
