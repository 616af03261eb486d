"""``POST /graphql``: authenticated as REST v1 is (``X-API-KEY``), executed by ariadne, errors as the SDKs read them.

HTTP statuses follow Stigg's: 200 for every executed request, errors included (the SDKs read ``errors[]``); 400 for
a body that is not a GraphQL request; 401 for a missing or unknown key; 413 for a body over the limit.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ariadne import graphql_sync
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from graphql import DocumentNode, GraphQLError, parse, specified_rules, validate

from config.api_keys import api_key_find_active
from config.graphql.context import RequestContext
from config.graphql.errors import UNAUTHENTICATED, format_error
from config.graphql.limits import MAX_BODY_BYTES, VALIDATION_RULES
from config.graphql.schema import executable_schema


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)


def authenticate(request: HttpRequest) -> Any:
    raw_key = request.headers.get("X-API-KEY")
    return api_key_find_active(raw_key) if raw_key else None


CACHED_QUERY_LENGTH = 32 * 1024  # the SDKs' largest document is 18 kB; longer ones are prepared every time


def prepared(query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """The document of ``query`` and its validation errors, once per distinct text of SDK size.

    The SDKs send the same few documents over and over, and parsing and validating one costs more than running it
    (the Python SDK's GetEntitlement: ~8 ms, its GetPaywall ~37 ms). Validation depends on the document alone (the
    schema is fixed, the limits read no variables), so its outcome is kept with it; documents are immutable. The
    cache holds at most 256 documents of at most 32 kB, so hostile traffic can churn it but not grow it."""
    return _prepared_cached(query) if len(query) <= CACHED_QUERY_LENGTH else _prepare(query)


def _prepare(query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, (error,)
    return document, tuple(validate(executable_schema(), document, (*specified_rules, *VALIDATION_RULES)))


_prepared_cached = functools.lru_cache(maxsize=256)(_prepare)


def _validated_already(*_: Any, **__: Any) -> list[GraphQLError]:
    return []


def nul_character_at(value: Any, path: str) -> str | None:
    """Where a NUL character hides in ``value`` (a JSON value), if anywhere: no text we store may hold one
    (PostgreSQL refuses it), so it is refused at the door, for every operation alike, as REST's fields refuse it."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = nul_character_at(key, path) or nul_character_at(
            item, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
        )
        if found:
            return found
    return None


def execute(request: HttpRequest, api_key: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Run one GraphQL request for ``api_key``; also used by the edge reads with the SDK's own document."""
    document, errors = prepared(data["query"])
    if errors:
        return {"errors": [format_error(error) for error in errors]}
    nul_at = nul_character_at(data.get("variables") or {}, "") or ("query" if "\x00" in data["query"] else None)
    if nul_at:
        message = f"{nul_at}: must not contain a NUL character"
        return {
            "errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT", "details": {"field": nul_at}}}]
        }
    context = RequestContext(request=request, api_key=api_key, now=timezone.now())
    _, result = graphql_sync(
        executable_schema(),
        data,
        context_value=context,
        query_document=document,
        query_validator=_validated_already,
        error_formatter=format_error,
        introspection=True,
        debug=False,
    )
    return result


@csrf_exempt
@require_http_methods(["POST"])
def graphql_view(request: HttpRequest) -> JsonResponse:
    if len(request.body) > MAX_BODY_BYTES:
        return _error(413, "PAYLOAD_TOO_LARGE", f"The request body is over {MAX_BODY_BYTES} bytes.")
    api_key = authenticate(request)
    if api_key is None:
        return _error(401, UNAUTHENTICATED, "Invalid or missing API key")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _error(400, "BAD_REQUEST", "The body must be a JSON GraphQL request.")
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        return _error(400, "BAD_REQUEST", "The body must be a JSON object with a 'query' string.")
    if data.get("variables") is not None and not isinstance(data.get("variables"), dict):
        return _error(400, "BAD_REQUEST", "'variables' must be a JSON object.")
    return JsonResponse(execute(request, api_key, data), status=200)
