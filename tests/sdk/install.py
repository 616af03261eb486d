"""Install the official GraphQL SDKs the tests drive, once per checkout, from the pinned files beside this module.

- Node: ``npm ci`` in ``tests/sdk/node`` (``package.json`` + ``package-lock.json`` pin ``@stigg/node-server-sdk``
  3.95.0, the newest release whose dependencies all install from the npm registry).
- Python: a virtualenv at ``tests/sdk/.venv`` with ``python-requirements.txt`` (``stigg-api-client-v2``).

A file lock makes concurrent pytest-xdist workers wait for one installer. ``config.graphql.generate_sdl`` reads the
same installations.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_DIRECTORY = HERE / "node"
PYTHON_REQUIREMENTS = HERE / "python-requirements.txt"
PYTHON_VENV = HERE / ".venv"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    with open(HERE / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _stamp(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def node_modules() -> Path:
    """``tests/sdk/node/node_modules``, installed with ``npm ci`` when missing or older than the lock file."""
    modules = NODE_DIRECTORY / "node_modules"
    marker = modules / ".installed-from"
    with _locked("node"):
        lock_stamp = _stamp(NODE_DIRECTORY / "package-lock.json")
        if not marker.exists() or marker.read_text() != lock_stamp:
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIRECTORY, check=True, stdout=subprocess.DEVNULL
            )
            marker.write_text(lock_stamp)
    return modules


def python_sdk_interpreter() -> Path:
    """The interpreter of ``tests/sdk/.venv``, created with the pinned requirements when missing or stale."""
    python = PYTHON_VENV / "bin" / "python"
    marker = PYTHON_VENV / ".installed-from"
    with _locked("python"):
        stamp = _stamp(PYTHON_REQUIREMENTS)
        if not marker.exists() or marker.read_text() != stamp:
            venv.EnvBuilder(with_pip=True, clear=True).create(PYTHON_VENV)
            environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
            subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    "-r",
                    str(PYTHON_REQUIREMENTS),
                ],
                check=True,
                env=environment,
            )
            marker.write_text(stamp)
    return python


def python_sdk_site_packages() -> Path:
    python = python_sdk_interpreter()
    completed = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(completed.stdout.strip())


if __name__ == "__main__":
    print(node_modules(), python_sdk_interpreter(), file=sys.stdout)
