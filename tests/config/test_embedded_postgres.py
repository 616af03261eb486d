"""The embedded PostgreSQL server's lifecycle: a running server is found from its files alone (no subprocess, no
lock), a folder holding something else is refused with a message, and a real server starts once, is reused, stops,
and explains a failed start with its log."""

import os
from pathlib import Path

import psycopg
import pytest

from config.embedded_postgres.server import (
    DATABASE_NAME,
    EmbeddedPostgresError,
    Server,
    server_ensure,
    server_running,
    server_stop,
)


def fake_server(folder: Path, *, pid: int, status: str = "ready") -> Path:
    """A cluster folder whose ``postmaster.pid`` names ``pid``, with a socket file (a plain file will do)."""
    cluster = folder / "cluster"
    cluster.mkdir(parents=True)
    (cluster / ".s.PGSQL.5432").touch()
    lines = [str(pid), str(cluster), "1700000000", "5432", str(cluster), "", "  123 456", status.ljust(8)]
    (cluster / "postmaster.pid").write_text("\n".join(lines) + "\n")
    return cluster


def test_a_ready_server_is_found_from_its_files(tmp_path: Path) -> None:
    cluster = fake_server(tmp_path, pid=os.getpid())

    assert server_running(tmp_path) == Server(pid=os.getpid(), socket_dir=cluster, port=5432)
    assert server_running(tmp_path).url() == f"postgres://postgres@/{DATABASE_NAME}?host={cluster}&port=5432"


@pytest.mark.parametrize("status", ["starting", "stopping"])
def test_a_server_not_ready_is_not_running(tmp_path: Path, status: str) -> None:
    fake_server(tmp_path, pid=os.getpid(), status=status)

    assert server_running(tmp_path) is None


def test_a_server_whose_process_is_gone_is_not_running(tmp_path: Path) -> None:
    fake_server(tmp_path, pid=2**22 + 1)  # above Linux's largest process id

    assert server_running(tmp_path) is None
    assert server_stop(tmp_path) is False


def test_no_folder_no_server(tmp_path: Path) -> None:
    assert server_running(tmp_path / "missing") is None
    assert server_stop(tmp_path / "missing") is False


def test_a_prepared_running_server_is_reused_without_taking_the_lock(tmp_path: Path) -> None:
    cluster = fake_server(tmp_path, pid=os.getpid())
    (tmp_path / "ready").write_text(f"{os.getpid()}\n")

    assert server_ensure(tmp_path) == Server(pid=os.getpid(), socket_dir=cluster, port=5432)
    assert not (tmp_path / "lock").exists()


def test_a_folder_holding_something_else_is_refused_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "cluster").mkdir()
    (tmp_path / "cluster" / "notes.txt").write_text("mine")

    with pytest.raises(EmbeddedPostgresError, match="holds files but no PostgreSQL cluster"):
        server_ensure(tmp_path)
    assert os.listdir(tmp_path / "cluster") == ["notes.txt"]


def test_a_real_server_starts_once_is_reused_stops_and_explains_a_failed_start(tmp_path: Path) -> None:
    folder = tmp_path / "pg"
    server = server_ensure(folder)
    try:
        assert server_ensure(folder) == server
        with psycopg.connect(server.url()) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == (DATABASE_NAME,)
    finally:
        assert server_stop(folder) is True
    assert server_running(folder) is None

    with (folder / "cluster" / "postgresql.conf").open("a") as configuration:
        configuration.write("no_such_setting = 1\n")
    with pytest.raises(EmbeddedPostgresError, match="could not start") as failure:
        server_ensure(folder)
    assert "no_such_setting" in str(failure.value)
    assert server_running(folder) is None
