"""Drive the official SDKs against a live server of ours: ``NodeSdk`` and ``PythonSdk`` fixtures' engines."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Any

from tests.sdk import install

HERE = install.HERE


class SdkError(AssertionError):
    pass


def _last_json_line(output: str, stderr: str) -> dict[str, Any]:
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return dict(json.loads(line))
    raise SdkError(f"no result from the SDK run:\nstdout: {output[-3000:]}\nstderr: {stderr[-3000:]}")


@dataclass
class SdkRunner:
    base_uri: str
    api_key: str
    enable_edge: bool = False

    def _environment(self) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        environment.update(
            STIGG_API_KEY=self.api_key,
            STIGG_BASE_URI=self.base_uri,
            STIGG_ENABLE_EDGE="1" if self.enable_edge else "0",
            NODE_ENV="test",
        )
        return environment

    def outcome(self, scenario: str, input: Any = None) -> dict[str, Any]:
        """``{"result": ...}`` or ``{"error": {"message", "code"}}``."""
        raise NotImplementedError

    def run(self, scenario: str, input: Any = None) -> Any:
        """The scenario's result; an SDK error fails the test with its message and code."""
        outcome = self.outcome(scenario, input)
        if "result" not in outcome:
            raise SdkError(f"the SDK failed: {outcome}")
        return outcome["result"]

    def error(self, scenario: str, input: Any = None) -> dict[str, Any]:
        """The error the scenario ends with (``message``, ``code``); a success fails the test."""
        outcome = self.outcome(scenario, input)
        if "error" not in outcome:
            raise SdkError(f"expected an error, got {outcome}")
        return dict(outcome["error"])


class NodeSdk(SdkRunner):
    def outcome(self, scenario: str, input: Any = None) -> dict[str, Any]:
        install.node_modules()
        completed = subprocess.run(
            ["node", str(HERE / "node" / "run.js"), scenario, json.dumps(input)],
            cwd=HERE / "node",
            env=self._environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        outcome = _last_json_line(completed.stdout, completed.stderr)
        if "fatal" in outcome:
            raise SdkError(f"the Node SDK crashed: {outcome['fatal']}\nstderr: {completed.stderr[-3000:]}")
        return outcome


class PythonSdk(SdkRunner):
    def outcome(self, scenario: str, input: Any = None) -> dict[str, Any]:
        python = install.python_sdk_interpreter()
        completed = subprocess.run(
            [str(python), str(HERE / "run_python.py"), scenario, json.dumps(input)],
            cwd=HERE,
            env=self._environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if completed.returncode != 0:
            raise SdkError(f"the Python SDK crashed:\n{completed.stderr[-4000:]}")
        return _last_json_line(completed.stdout, completed.stderr)
