"""Drive the official SDKs against a live server of ours: ``NodeSdk`` and ``PythonSdk`` fixtures' engines.

Each scenario still gets a client of its own, initialised for it and closed after it, but the process that runs it
lives for the whole pytest worker: starting Node and loading its SDK costs about 1 s of CPU, importing the Python
SDK's generated models about 4 s, and the suite runs a few hundred scenarios.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import queue
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.sdk import install

HERE = install.HERE
# Marks an answer line of ``run.js`` and ``run_python.py``; their other output is the SDKs' own.
ANSWER_MARK = "@@sdk-answer@@ "
SCENARIO_TIMEOUT_SECONDS = 120


class SdkError(AssertionError):
    pass


class ScenarioProcess:
    """One long-lived ``run.js`` or ``run_python.py``: a request per stdin line, an answer per marked stdout line.

    Started on first use and again after it dies or overruns a scenario's timeout (then killed, and the scenario
    fails), so one broken scenario does not take the following ones with it.
    """

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.command = command
        self.cwd = cwd
        self._process: subprocess.Popen[str] | None = None
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._output_tail: collections.deque[str] = collections.deque(maxlen=60)
        self._lock = threading.Lock()

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            process = self._running()
            assert process.stdin is not None
            try:
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
            except BrokenPipeError:
                pass  # it died: reported below, with its output
            return self._next_answer(process)

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _running(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        environment["NODE_ENV"] = "test"  # the Node SDK then makes a new client on every initialise
        process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._answers = queue.Queue()
        self._output_tail.clear()
        threading.Thread(target=self._read, args=(process, self._answers), daemon=True).start()
        self._process = process
        return process

    def _read(self, process: subprocess.Popen[str], answers: queue.Queue[str | None]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(ANSWER_MARK):
                answers.put(line[len(ANSWER_MARK) :])
            elif line.strip():
                self._output_tail.append(line.rstrip())
        answers.put(None)  # the process ended

    def _next_answer(self, process: subprocess.Popen[str]) -> dict[str, Any]:
        deadline = time.monotonic() + SCENARIO_TIMEOUT_SECONDS
        try:
            line = self._answers.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            process.kill()
            process.wait()
            self._process = None
            raise SdkError(
                f"no answer within {SCENARIO_TIMEOUT_SECONDS} s from {self.command[-1]}:\n{self.output()}"
            ) from None
        if line is None:
            process.wait()
            self._process = None
            raise SdkError(f"{self.command[-1]} ended (exit {process.returncode}) with no answer:\n{self.output()}")
        return dict(json.loads(line))

    def output(self) -> str:
        """The process's latest output other than answers (the SDK's logs, tracebacks), for failure messages."""
        return "\n".join(self._output_tail)[-4000:]


_processes: dict[str, ScenarioProcess] = {}


def scenario_process(kind: str) -> ScenarioProcess:
    """This pytest process's ``node`` or ``python`` scenario runner, installing its SDK on first use."""
    if kind not in _processes:
        if kind == "node":
            install.node_modules()
            process = ScenarioProcess(["node", str(HERE / "node" / "run.js")], cwd=HERE / "node")
        else:
            process = ScenarioProcess([str(install.python_sdk_interpreter()), str(HERE / "run_python.py")], cwd=HERE)
        _processes[kind] = process
    return _processes[kind]


@atexit.register
def _close_processes() -> None:
    for process in _processes.values():
        process.close()


@dataclass
class SdkRunner:
    base_uri: str
    api_key: str
    enable_edge: bool = False
    kind = ""

    def outcome(self, scenario: str, input: Any = None) -> dict[str, Any]:
        """``{"result": ...}`` or ``{"error": {"message", "code"}}``."""
        process = scenario_process(self.kind)
        outcome = process.answer(
            {
                "scenario": scenario,
                "input": input,
                "apiKey": self.api_key,
                "baseUri": self.base_uri,
                "enableEdge": self.enable_edge,
            }
        )
        if "fatal" in outcome:
            raise SdkError(f"the {self.kind} SDK crashed: {outcome['fatal']}\noutput:\n{process.output()}")
        return outcome

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
    kind = "node"


class PythonSdk(SdkRunner):
    kind = "python"
