"""The one error shape: ``{"error": {"code", "message", "details"}}`` for every non-2xx response.

Domain code raises ``DomainError`` subclasses with stable codes; this module maps them, DRF's own exceptions and
anything unexpected to that shape. Deterministic conflicts carry ``x-should-retry: false`` so the Stigg client
does not resend the same request twice more.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of every business error; subclasses set a stable ``code`` and an HTTP ``status``."""

    code = "BAD_REQUEST"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, details: Mapping[str, Any] | None = None) -> None:
        self.field = field
        self.details = dict(details or {})
        if field:
            self.details.setdefault("field", field)
            message = f"{field}: {message}"
        self.message = message
        super().__init__(message)


class InvalidInput(DomainError):
    code = "VALIDATION_ERROR"
    status = 400


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409


class DuplicateId(Conflict):
    code = "DUPLICATE_ID"


class IllegalStateChange(Conflict):
    code = "ILLEGAL_STATE_CHANGE"


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


def _flatten(errors: Any, path: str = "") -> list[tuple[str, str]]:
    """Turn DRF's nested error structure into (``pricingModels[0].price.amount``, message) pairs."""
    if isinstance(errors, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in errors.items():
            if isinstance(key, int):  # DRF keys list items' errors by their index
                pairs += _flatten(value, f"{path}[{key}]")
                continue
            name = key if key != "non_field_errors" else ""
            pairs += _flatten(value, f"{path}.{name}" if path and name else (name or path))
        return pairs
    if isinstance(errors, Sequence) and not isinstance(errors, str):
        if all(isinstance(item, str) for item in errors):
            return [(path, str(item)) for item in errors]
        pairs = []
        for index, item in enumerate(errors):
            if item:
                pairs += _flatten(item, f"{path}[{index}]")
        return pairs
    return [(path, str(errors))]


def _validation_response(detail: Any) -> tuple[str, dict[str, Any]]:
    pairs = _flatten(detail)
    message = "; ".join(f"{field}: {text}" if field else text for field, text in pairs) or "Invalid input"
    fields: dict[str, list[str]] = {}
    for field, text in pairs:
        fields.setdefault(field or "body", []).append(text)
    return message, {"fields": fields}


def _response(status: int, code: str, message: str, details: Mapping[str, Any] | None = None) -> Response:
    headers = {"x-should-retry": "false"} if status in (400, 404, 409, 422) or status >= 500 else {}
    return Response(error_body(code, message, details), status=status, headers=headers)


def api_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """DRF's ``EXCEPTION_HANDLER``: every exception a view raises leaves in the one error shape."""
    set_rollback()
    if isinstance(exc, DomainError):
        return _response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, drf_exceptions.ValidationError):
        message, details = _validation_response(exc.detail)
        return _response(400, "VALIDATION_ERROR", message, details)
    if isinstance(exc, drf_exceptions.ParseError):
        return _response(400, "MALFORMED_REQUEST", str(exc.detail))
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        response = _response(401, "UNAUTHENTICATED", "Invalid or missing API key")
        response["WWW-Authenticate"] = "X-API-KEY"
        return response
    if isinstance(exc, drf_exceptions.PermissionDenied | PermissionDenied):
        return _response(403, "FORBIDDEN", "Not allowed")
    if isinstance(exc, Http404 | ObjectDoesNotExist | drf_exceptions.NotFound):
        return _response(404, "NOT_FOUND", str(exc) or "Not found")
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return _response(405, "METHOD_NOT_ALLOWED", str(exc.detail))
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return _response(415, "UNSUPPORTED_MEDIA_TYPE", str(exc.detail))
    if isinstance(exc, drf_exceptions.Throttled):
        return _response(429, "RATE_LIMITED", str(exc.detail))
    if isinstance(exc, drf_exceptions.APIException):
        return _response(exc.status_code, str(exc.default_code).upper(), str(exc.detail))
    if isinstance(exc, DataError):
        # A value the database cannot hold (too long, out of range) that input validation let through.
        logger.warning("data error surfaced to the API: %s", exc)
        return _response(400, "VALUE_OUT_OF_RANGE", "A value is too long or out of range for its field")
    if isinstance(exc, IntegrityError):
        # A race lost against a unique constraint: the same request again would conflict again.
        logger.warning("integrity error surfaced to the API: %s", exc)
        return _response(409, "CONFLICT", "The request conflicts with the current state; it was not applied")
    logger.exception("unhandled error in API view", exc_info=exc)
    return _response(500, "INTERNAL_ERROR", "Internal server error")


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse(error_body(code, message), status=status)
    response["x-should-retry"] = "false"
    return response


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """``handler404``: unknown paths answer in the error shape, never an HTML page."""
    return _json_error(404, "NOT_FOUND", f"No route for {request.method} {request.path}")


def json_server_error(request: HttpRequest) -> JsonResponse:
    """``handler500``: failures outside DRF views still answer in the error shape."""
    return _json_error(500, "INTERNAL_ERROR", "Internal server error")


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(400, "BAD_REQUEST", "Bad request")
