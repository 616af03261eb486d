"""Runs scenarios with ``stigg-api-client-v2`` (in its own virtualenv), as a customer's backend would use it.

A scenario is Python source run with ``client`` (``Stigg.create_client(key, api_url=...)``, made for that scenario
alone and closed after it), ``input`` (JSON from the test) and the SDK's generated module as ``generated``; it sets
``result``. The outcome is ``{"result": ...}`` (pydantic models by alias), or ``{"error": {"message", "code"}}``
for a GraphQL error; any other exception is ``{"fatal": traceback}``.

Serving (no arguments): one request per stdin line, ``{scenario, input, apiKey, baseUri, enableEdge}``, one outcome
per request on a stdout line starting with ``ANSWER_MARK`` (what a scenario prints goes to stderr). Importing the
SDK's generated models costs about 4 s of CPU, so ``tests/sdk/runners.py`` keeps one process for many scenarios.
One-shot, for a quick try by hand: ``python run_python.py '<scenario>' '<input JSON>'`` with ``STIGG_API_KEY``,
``STIGG_BASE_URI`` and ``STIGG_ENABLE_EDGE`` in the environment.
"""

import contextlib
import json
import os
import sys
import traceback

from stigg import Stigg, generated
from stigg.generated import GraphQLClientGraphQLMultiError

ANSWER_MARK = "@@sdk-answer@@ "


def plain(value):
    if hasattr(value, "model_dump"):
        return value.model_dump(by_alias=True, mode="json")
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def outcome_of(request: dict) -> dict:
    base = request["baseUri"]
    client = Stigg.create_client(
        request["apiKey"], api_url=f"{base}/graphql", enable_edge=request["enableEdge"], edge_api_url=base
    )
    namespace = {"client": client, "input": request["input"], "generated": generated, "result": None}
    try:
        exec(request["scenario"], namespace)
        return {"result": plain(namespace["result"])}
    except GraphQLClientGraphQLMultiError as error:
        first = error.errors[0]
        return {"error": {"message": first.message, "code": (first.extensions or {}).get("code")}}
    finally:
        client.http_client.close()


def answer(request_text: str) -> str:
    """The outcome of one request as JSON; a scenario's crash (or an unserialisable result) is its ``fatal``."""
    try:
        with contextlib.redirect_stdout(sys.stderr):
            return json.dumps(outcome_of(json.loads(request_text)))
    except Exception:
        return json.dumps({"fatal": traceback.format_exc()})


def serve() -> None:
    for line in sys.stdin:
        sys.stdout.write(f"\n{ANSWER_MARK}{answer(line)}\n")
        sys.stdout.flush()


def run_once() -> None:
    request = {
        "scenario": sys.argv[1],
        "input": json.loads(sys.argv[2] if len(sys.argv) > 2 else "null"),
        "apiKey": os.environ["STIGG_API_KEY"],
        "baseUri": os.environ["STIGG_BASE_URI"],
        "enableEdge": os.environ.get("STIGG_ENABLE_EDGE") == "1",
    }
    outcome = answer(json.dumps(request))
    print(outcome)
    sys.exit(1 if "fatal" in json.loads(outcome) else 0)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        run_once()
    else:
        serve()
