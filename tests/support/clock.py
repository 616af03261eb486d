"""Running the periodic jobs at a chosen moment (a pytest plugin, registered in ``tests/conftest.py``): the
``tick`` fixture."""

from collections.abc import Callable
from datetime import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

Tick = Callable[[datetime], None]


@pytest.fixture
def tick(django_capture_on_commit_callbacks: Callable) -> Tick:
    """``manage.py tick`` at a moment; the sweepers enqueue on commit, which the test's transaction never reaches."""

    def run(at: datetime) -> None:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("tick", stdout=StringIO())

    return run
