"""The GraphQL operation documents the official Stigg SDKs send, read from their installed packages.

- ``@stigg/api-client-js`` (a dependency of ``@stigg/node-server-sdk``) exports every document as a parsed
  ``graphql-tag`` object from ``src/generated/sdk.js``; Node prints them back to text.
- ``stigg-api-client-v2`` (ariadne-codegen) inlines each document, its fragments included, in a ``gql(...)`` call in
  ``stigg/generated/client.py``; the file is read with ``ast``, nothing of the package is imported.

Both the SDL generator and the test that validates every document against our schema read them from here.
"""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

_PRINT_NODE_DOCUMENTS = r"""
const sdk = require(process.argv[1] + '/@stigg/api-client-js/src/generated/sdk');
const { print } = require(process.argv[1] + '/graphql');
const out = {};
for (const [name, value] of Object.entries(sdk)) {
  if (name.endsWith('Document') && value && value.kind === 'Document') out[name.slice(0, -8)] = print(value);
}
process.stdout.write(JSON.stringify(out));
"""


def node_documents(node_modules: Path) -> dict[str, str]:
    """Operation name -> document text (fragments included), as ``@stigg/api-client-js`` defines them."""
    completed = subprocess.run(
        ["node", "-e", _PRINT_NODE_DOCUMENTS, str(node_modules)], check=True, capture_output=True, text=True
    )
    return dict(json.loads(completed.stdout))


def python_client_source(site_packages: Path) -> Path:
    return site_packages / "stigg" / "generated" / "client.py"


def python_documents(site_packages: Path) -> dict[str, str]:
    """Operation name -> document text, from the ``gql("...")`` calls of ``stigg-api-client-v2``'s client."""
    tree = ast.parse(python_client_source(site_packages).read_text())
    documents: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "gql"):
            continue
        argument = node.args[0]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            text = argument.value
        elif isinstance(argument, ast.JoinedStr | ast.BinOp):
            parts = [part for part in ast.walk(argument) if isinstance(part, ast.Constant)]
            text = "".join(part.value for part in parts if isinstance(part.value, str))
        else:
            continue
        name = text.split("(")[0].split("{")[0].split()[1]
        documents[name] = text
    return documents
