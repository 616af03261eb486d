"""Strict checks of a raw JSON answer against an official client's pydantic model of it.

The official clients parse leniently: pydantic's lax mode turns ``0`` into ``False`` and ``"5"`` into ``5``, so a
drift of the wire type (SQLite once answered ``"hasUnlimitedUsage": 0``) passes their parsing unnoticed. Validated
here in pydantic's strict JSON mode instead, a field declared ``bool`` must be ``true``/``false``, ``int`` a JSON
integer, ``float`` a JSON number, ``str`` a string, ``datetime`` an ISO-8601 string, ``Optional`` may be null, and
nested models and lists are checked the same way.

Only pydantic and the standard library are imported: the GraphQL test runs this module in the GraphQL SDK's own
virtualenv too, against that SDK's models.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic


def strict_mismatches(model: Any, raw: str | bytes) -> list[str]:
    """Every place where ``raw`` (the JSON text the server sent) differs from the type ``model`` declares, as
    ``"<path>: <what pydantic says> (sent <value>)"``; empty when the answer parses strictly.

    ``model`` is a pydantic model class or any type pydantic can adapt (a page of models, say). Where the model
    declares a union of models told apart by a literal field (``type: Literal["FEATURE"]``), the members whose
    literal the answer does not carry are left out of the report: a boolean sent as 0 in a FEATURE entitlement
    is reported once, not beside every way it fails to be a CREDIT one."""
    try:
        pydantic.TypeAdapter(model).validate_json(raw, strict=True)
    except pydantic.ValidationError as error:
        details = error.errors(include_url=False)
    else:
        return []
    kept = [detail for detail in details if not _in_other_member(detail, details)]
    return [_described(detail) for detail in kept or details]


def _in_other_member(detail: Any, details: list[Any]) -> bool:
    """Whether ``detail`` lies inside a union member (located by its class name) whose literal tag failed."""
    for other in details:
        member = tuple(other["loc"][:-1])
        is_member = bool(member) and isinstance(member[-1], str) and member[-1][:1].isupper()
        if other["type"] == "literal_error" and is_member and tuple(detail["loc"][: len(member)]) == member:
            return True
    return False


def _described(detail: Any) -> str:
    path = ".".join(str(part) for part in detail["loc"]) or "(answer)"
    sent = json.dumps(detail.get("input"), default=str)
    return f"{path}: {detail['msg']} (sent {sent[:120]})"
