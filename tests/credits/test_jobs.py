"""The credit sweepers, run as ``manage.py tick`` runs them (the declared job's task, applied in-process)."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from config.celery import app
from config.jobs import PERIODIC_JOBS
from credits.models import LedgerEntry
from tests.credits.builders import NOW, assert_wallet_consistent, balance_of, consume, grant, wallet_setup

pytestmark = pytest.mark.django_db


def run_job(name: str, *, at: Any, callbacks: Any) -> None:
    (job,) = [job for job in PERIODIC_JOBS if job.name == name]
    app.loader.import_default_modules()
    with time_machine.travel(at, tick=False), callbacks(execute=True):
        app.tasks[job.task].apply(throw=True)


def test_the_grant_schedule_job_starts_and_expires_grants_once(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    wallet_setup()
    grant(40, expire_at=NOW + timedelta(days=1))
    grant(25, effective_at=NOW + timedelta(hours=12))
    consume(15, "some")

    run_job("credit-grant-schedule", at=NOW + timedelta(hours=13), callbacks=django_capture_on_commit_callbacks)
    run_job("credit-grant-schedule", at=NOW + timedelta(days=2), callbacks=django_capture_on_commit_callbacks)
    run_job("credit-grant-schedule", at=NOW + timedelta(days=3), callbacks=django_capture_on_commit_callbacks)

    assert list(LedgerEntry.objects.order_by("pk").values_list("event_type", "amount")) == [
        ("CREDITS_GRANTED", Decimal(40)),
        ("CREDITS_CONSUMED", Decimal(-15)),
        ("CREDITS_GRANTED", Decimal(25)),
        ("CREDITS_EXPIRED", Decimal(-25)),
    ]
    assert balance_of().balance == 25
    assert_wallet_consistent(balance_of(), now=NOW + timedelta(days=3))


def test_the_credit_jobs_are_declared() -> None:
    declared = {job.name: (job.task, job.every_seconds) for job in PERIODIC_JOBS if job.task.startswith("credits.")}

    assert declared == {
        "credit-grant-schedule": ("credits.tasks.sweep_grant_schedule", 60),
        "credit-recurring-grants": ("credits.tasks.sweep_recurring_grants", 300),
        "credit-auto-recharges": ("credits.tasks.sweep_auto_recharges", 60),
    }
