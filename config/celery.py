"""The Celery app. The beat schedule comes from ``config.jobs``, the one list of periodic jobs."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def install_beat_schedule(sender: Celery, **kwargs: object) -> None:
    from config.jobs import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
