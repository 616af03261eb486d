from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from config.embedded_postgres.server import server_ensure, server_running, server_stop


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
        if action == "stop":
            stopped = server_stop(folder)
            self.stdout.write("stopped" if stopped else f"not running ({folder})")
            return
        server = server_ensure(folder) if action == "start" else server_running(folder)
        if server is None:
            self.stdout.write(f"not running ({folder})")
        else:
            self.stdout.write(f"running (pid {server.pid}): {server.url()}")
