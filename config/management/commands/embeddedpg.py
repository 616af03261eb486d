from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from config.embedded_postgres.server import log_tail, server_ensure, server_running, server_stop


class Command(BaseCommand):
    help = (
        "The embedded PostgreSQL server (the database when DATABASE_URL is unset): status, start (any command that "
        "uses the database starts it too) or stop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "start", "stop"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        folder = Path(settings.EMBEDDED_POSTGRES_FOLDER)
        if settings.DATABASE_URL:
            self.stdout.write(f"DATABASE_URL is set: this project uses that server, not the embedded one in {folder}")
        if action == "start":
            server = server_ensure(folder)
            self.stdout.write(f"running (pid {server.pid}): {server.url()}")
        elif action == "stop":
            stopped = server_stop(folder)
            self.stdout.write("stopped" if stopped else f"not running ({folder})")
        else:
            server = server_running(folder)
            if server is None:
                self.stdout.write(f"not running ({folder})")
                tail = log_tail(folder, lines=5)
                if tail:
                    self.stdout.write(f"last lines of its log:\n{tail}")
            else:
                self.stdout.write(f"running (pid {server.pid}): {server.url()}")
