"""The one place where periodic jobs are declared.

Celery beat reads its schedule from here and ``manage.py tick`` runs every job listed here once, in-process.
Each job is a Celery task name plus how often beat runs it; later apps append their sweepers to ``PERIODIC_JOBS``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    every_seconds: float


PERIODIC_JOBS: list[PeriodicJob] = []


def beat_schedule() -> dict[str, dict[str, object]]:
    return {job.name: {"task": job.task, "schedule": job.every_seconds} for job in PERIODIC_JOBS}
