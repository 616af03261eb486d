"""Runs one scenario with ``stigg-api-client-v2`` (in its own virtualenv), as a customer's backend would use it.

The scenario is Python source run with ``client`` (``Stigg.create_client(key, api_url=...)``), ``input`` (JSON from
the test) and the SDK's generated module as ``generated``; it sets ``result``. The result is printed as JSON
(pydantic models by alias), errors as ``{"error": {"message", "code"}}``.
"""

import json
import os
import sys

from stigg import Stigg, generated
from stigg.generated import GraphQLClientGraphQLMultiError


def plain(value):
    if hasattr(value, "model_dump"):
        return value.model_dump(by_alias=True, mode="json")
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def main() -> None:
    scenario, input_text = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "null"
    base = os.environ["STIGG_BASE_URI"]
    client = Stigg.create_client(
        os.environ["STIGG_API_KEY"],
        api_url=f"{base}/graphql",
        enable_edge=os.environ.get("STIGG_ENABLE_EDGE") == "1",
        edge_api_url=base,
    )
    namespace = {"client": client, "input": json.loads(input_text), "generated": generated, "result": None}
    try:
        exec(scenario, namespace)
        print(json.dumps({"result": plain(namespace["result"])}))
    except GraphQLClientGraphQLMultiError as error:
        first = error.errors[0]
        print(json.dumps({"error": {"message": first.message, "code": (first.extensions or {}).get("code")}}))


if __name__ == "__main__":
    main()
