from collections.abc import Iterator
from io import StringIO

import pytest
from celery import shared_task
from django.core.management import call_command
from rest_framework.test import APIClient

from config import jobs
from config.api_keys import api_key_find_active
from config.models import ApiKey

probe_runs: list[str] = []


@shared_task(name="tests.tick_probe")
def tick_probe() -> None:
    probe_runs.append("ran")


@pytest.fixture
def only_the_probe_job() -> Iterator[jobs.PeriodicJob]:
    """Replace the periodic jobs in place, so every module holding the list sees only the probe."""
    probe_job = jobs.PeriodicJob(name="tick-probe", task="tests.tick_probe", every_seconds=60)
    original_jobs = list(jobs.PERIODIC_JOBS)
    jobs.PERIODIC_JOBS[:] = [probe_job]
    probe_runs.clear()
    try:
        yield probe_job
    finally:
        jobs.PERIODIC_JOBS[:] = original_jobs


@pytest.mark.django_db
def test_createapikey_prints_the_key_alone_on_the_last_line_and_it_authenticates() -> None:
    output = StringIO()

    call_command("createapikey", "billing-worker", stdout=output)

    raw_key = output.getvalue().splitlines()[-1]
    api_key = ApiKey.objects.get()
    assert api_key.name == "billing-worker"
    assert raw_key.startswith(api_key.prefix)
    assert api_key.key_digest != raw_key
    assert api_key_find_active(raw_key) == api_key
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    assert client.get("/api/v1/features").status_code == 200


@pytest.mark.django_db
def test_createapikey_makes_a_different_key_each_time() -> None:
    first, second = StringIO(), StringIO()

    call_command("createapikey", "same name", stdout=first)
    call_command("createapikey", "same name", stdout=second)

    assert first.getvalue().splitlines()[-1] != second.getvalue().splitlines()[-1]
    assert ApiKey.objects.filter(name="same name").count() == 2


def test_tick_runs_every_periodic_job_once(only_the_probe_job: jobs.PeriodicJob) -> None:
    output = StringIO()

    call_command("tick", stdout=output)

    assert probe_runs == ["ran"]
    assert output.getvalue() == "tick-probe: done\nran 1 periodic job(s)\n"


def test_tick_runs_the_job_again_on_each_tick(only_the_probe_job: jobs.PeriodicJob) -> None:
    call_command("tick", stdout=StringIO())
    call_command("tick", stdout=StringIO())

    assert probe_runs == ["ran", "ran"]


def test_beat_schedule_comes_from_the_same_list(only_the_probe_job: jobs.PeriodicJob) -> None:
    assert jobs.beat_schedule() == {"tick-probe": {"task": "tests.tick_probe", "schedule": 60}}
