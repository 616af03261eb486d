from django.core.management.base import BaseCommand

from config.celery import app
from config.jobs import PERIODIC_JOBS


class Command(BaseCommand):
    help = "Run every periodic job once, now, in-process (what beat would schedule), without a worker."

    def handle(self, *args: object, **options: object) -> None:
        app.loader.import_default_modules()
        # The sweepers fan out tasks; in-process means those run here too, not on a broker's queue.
        previous = app.conf.task_always_eager
        app.conf.task_always_eager = True
        try:
            for job in PERIODIC_JOBS:
                app.tasks[job.task].apply(throw=True)
                self.stdout.write(f"{job.name}: done")
        finally:
            app.conf.task_always_eager = previous
        self.stdout.write(f"ran {len(PERIODIC_JOBS)} periodic job(s)")
