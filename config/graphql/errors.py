"""Errors as the SDKs read them: ``errors[].extensions.code`` (and ``traceId``), the codes REST v1 uses.

A ``DomainError`` keeps its code and message; a request that fails validation gets ``GRAPHQL_VALIDATION_FAILED``
or ``BAD_USER_INPUT`` (as Apollo servers, which Stigg runs, name them); anything unexpected is logged and becomes
``INTERNAL_SERVER_ERROR`` with no detail, never an HTTP 500.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from graphql import GraphQLError
from rest_framework.exceptions import ValidationError as DrfValidationError

from config.errors import DomainError, _flatten

logger = logging.getLogger(__name__)

UNAUTHENTICATED = "UNAUTHENTICATED"


def format_error(error: GraphQLError, debug: bool = False) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    extensions: dict[str, Any] = dict(formatted.get("extensions") or {})
    extensions["traceId"] = uuid.uuid4().hex
    if isinstance(original, DomainError):
        formatted["message"] = original.message
        extensions["code"] = original.code
        if original.details:
            extensions["details"] = original.details
    elif isinstance(original, DrfValidationError):
        pairs = _flatten(original.detail)
        formatted["message"] = "; ".join(f"{path}: {message}" if path else message for path, message in pairs)
        extensions["code"] = "VALIDATION_ERROR"
        if pairs and pairs[0][0]:
            extensions["details"] = {"field": pairs[0][0]}
    elif isinstance(original, DjangoValidationError):
        formatted["message"] = "; ".join(original.messages)
        extensions["code"] = "VALIDATION_ERROR"
    elif error.path is not None:
        # Failed while executing, not for anything the request said: a resolver raised something unexpected or
        # answered null for a non-null field. The server's fault, logged; the client learns nothing of it.
        logger.error(
            "GraphQL execution failed at %s: %s", ".".join(map(str, error.path)), error.message, exc_info=original
        )
        formatted["message"] = "Internal server error"
        extensions["code"] = "INTERNAL_SERVER_ERROR"
    elif "code" not in extensions:
        # The request itself: its syntax, its validation against the schema, or its variables.
        in_variables = isinstance(original, GraphQLError) or "Variable " in error.message
        in_variables = in_variables or "got invalid value" in error.message
        extensions["code"] = "BAD_USER_INPUT" if in_variables else "GRAPHQL_VALIDATION_FAILED"
    formatted["extensions"] = extensions
    return formatted
