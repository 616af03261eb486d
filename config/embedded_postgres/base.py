"""Django's PostgreSQL backend on the embedded server: opening a connection makes sure the server runs (started on
the first connection of the first process, found running by every later one) and connects through its socket."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base

from config.embedded_postgres.server import server_ensure


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        server = server_ensure(Path(settings.EMBEDDED_POSTGRES_FOLDER))
        params.update(host=str(server.socket_dir), port=server.port)
        return params
