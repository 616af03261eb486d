"""Queue a Celery task by its name, so that a service never imports its app's ``tasks`` module.

A ``tasks`` module imports the services it wraps; a service that queued a task by importing it would close an
import circle (the layering test forbids those). The name is the task's registered name, its module path and
function name (``"credits.tasks.auto_recharge"``). A name not registered yet makes Celery's autodiscovery import every
app's ``tasks`` module, so the lookup also works in a process that has not imported that module yet. Eager
mode (no broker: the embedded setup, the tests) runs the task inline, as ``delay`` does.
"""

from typing import Any

from django.db import transaction

from config.celery import app


def enqueue(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the task now (raises if the broker refuses it)."""
    if task_name not in app.tasks:
        # Autodiscovery is lazy: it runs when a worker starts, not in a web process that never imported the module.
        app.loader.import_default_modules()
    app.tasks[task_name].delay(*args, **kwargs)


def enqueue_on_commit(task_name: str, *args: Any, robust: bool = False, **kwargs: Any) -> None:
    """Queue the task after the current transaction commits (never, if it rolls back). ``robust``: a broker
    failure is logged and does not fail the caller (a periodic sweep catches the work up)."""
    transaction.on_commit(lambda: enqueue(task_name, *args, **kwargs), robust=robust)
