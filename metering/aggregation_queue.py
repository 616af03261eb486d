"""When event aggregation runs: one ``aggregate_events`` task queued at a time, however many batches are stored.

Every stored batch asks for aggregation after it commits. A task per batch would, at tens of batches a second,
queue tasks faster than one worker runs them (each finds the events of many batches, then the next ones find
nothing left), and the queue, not the events, would become the backlog. So a flag in the shared cache says "a task
is queued and has not started": a batch queues a task only when it is the one that sets the flag (an atomic add),
and the task clears the flag *before* it takes pending events. A batch committed before the clear is seen by that
task; a batch committed after it finds the flag clear and queues the next task. Nothing waits for the sweeper but
a task that was lost (broker outage, worker killed), and the flag expires so that one cannot block scheduling.

With eager tasks (no broker: the embedded setup, the tests) the task runs inline at once and there is nothing to
coalesce, so the flag is not used.

The task is queued by its name (``config.task_queue``): ``metering.tasks`` imports the services that call this
module, so importing it here would close an import circle.
"""

from django.core.cache import cache

from config.celery import app
from config.task_queue import enqueue

SCHEDULED_KEY = "metering:aggregation-scheduled"
# A lost task stops coalesced scheduling for this long at most (the sweeper runs every 30 s in any case).
SCHEDULED_TTL = 60
AGGREGATE_EVENTS_TASK = "metering.tasks.aggregate_events"


def aggregation_schedule() -> None:
    """Queue ``aggregate_events`` unless a queued one has not started yet. Call after commit."""
    if app.conf.task_always_eager:
        enqueue(AGGREGATE_EVENTS_TASK)
    elif cache.add(SCHEDULED_KEY, 1, timeout=SCHEDULED_TTL):
        try:
            enqueue(AGGREGATE_EVENTS_TASK)
        except Exception:
            cache.delete(SCHEDULED_KEY)  # not queued after all: let the next batch try (the sweeper runs anyway)
            raise


def aggregation_started() -> None:
    """The task has started: batches committed from now on queue the next one."""
    cache.delete(SCHEDULED_KEY)
