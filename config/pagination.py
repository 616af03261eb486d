"""Cursor pagination as the Stigg client pages: ``after``/``before``/``limit`` in, ``pagination.next/prev`` out.

Cursors are opaque (base64 of the primary key); items come in creation order. ``next`` is null on the last page
and ``prev`` is null on the first, so the client's auto-pager stops without an extra request.
"""

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

# The query parameters ``cursor_page`` and ``key_page`` read, for the schema of every paged operation.
LIMIT_PARAMETER = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    default=DEFAULT_LIMIT,
    description="How many items a page holds.",
)
AFTER_PARAMETER = OpenApiParameter(
    "after", str, description="A cursor (`pagination.next` of an answer): the page of the items after it."
)
BEFORE_PARAMETER = OpenApiParameter(
    "before",
    str,
    description="A cursor (`pagination.prev` of an answer): the page of the items before it; wins over `after`.",
)
PAGE_PARAMETERS = [LIMIT_PARAMETER, AFTER_PARAMETER, BEFORE_PARAMETER]

ModelT = TypeVar("ModelT", bound=Model)
ItemT = TypeVar("ItemT")


def encode_cursor(primary_key: int) -> str:
    return base64.urlsafe_b64encode(f"pk:{primary_key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        kind, _, value = text.partition(":")
        if kind != "pk":
            raise ValueError(cursor)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInput("is not a valid cursor", field=field) from error


# What a pager reads: a REST request's query string, or the same parameters given as a mapping (GraphQL's paging).
PageRequest = Request | Mapping[str, str]


def _parameters(request: PageRequest) -> Mapping[str, str]:
    return request.query_params if isinstance(request, Request) else request


def parse_limit(request: PageRequest) -> int:
    raw = _parameters(request).get("limit")
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError as error:
        raise InvalidInput("must be an integer", field="limit") from error
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


def cursor_page(queryset: QuerySet[ModelT], request: PageRequest) -> tuple[list[ModelT], str | None, str | None]:
    """Return one page of ``queryset`` with its ``next`` and ``prev`` cursors."""
    limit = parse_limit(request)
    before = _parameters(request).get("before")
    after = _parameters(request).get("after")
    if before:
        before_pk = decode_cursor(before, field="before")
        window = list(queryset.filter(pk__lt=before_pk).order_by("-pk")[: limit + 1])
        has_more_before = len(window) > limit
        items = list(reversed(window[:limit]))
        prev_cursor = encode_cursor(items[0].pk) if items and has_more_before else None
        next_cursor = encode_cursor(items[-1].pk) if items else None
        return items, next_cursor, prev_cursor
    if after:
        queryset = queryset.filter(pk__gt=decode_cursor(after, field="after"))
    window = list(queryset.order_by("pk")[: limit + 1])
    items = window[:limit]
    next_cursor = encode_cursor(items[-1].pk) if len(window) > limit else None
    prev_cursor = encode_cursor(items[0].pk) if after and items else None
    return items, next_cursor, prev_cursor


def paginated_response(
    queryset: QuerySet[ModelT], request: Request, serialize: Callable[[list[ModelT]], list[Any]]
) -> Response:
    items, next_cursor, prev_cursor = cursor_page(queryset, request)
    return Response({"data": serialize(items), "pagination": {"next": next_cursor, "prev": prev_cursor}})


def _tuples(value: Any) -> Any:
    """JSON arrays back as tuples, so a decoded key compares with the keys it was made from."""
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def encode_key_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(("key:" + json.dumps(key, separators=(",", ":"))).encode()).decode().rstrip("=")


def decode_key_cursor(cursor: str, *, field: str) -> Any:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        kind, _, value = text.partition(":")
        if kind != "key":
            raise ValueError(cursor)
        return _tuples(json.loads(value))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInput("is not a valid cursor", field=field) from error


def _compare(key: Any, bound: Any, *, field: str) -> int:
    """-1, 0 or 1 as ``key`` sorts before, with or after the cursor's key; a cursor whose key cannot be compared
    with the items' keys (forged, or from another list) is refused."""
    try:
        return (key > bound) - (key < bound)
    except TypeError as error:
        raise InvalidInput("is not a valid cursor", field=field) from error


def key_page(
    items: Sequence[ItemT], request: PageRequest, *, key: Callable[[ItemT], Any]
) -> tuple[list[ItemT], str | None, str | None]:
    """One page of ``items`` computed in memory and sorted by ``key`` (made of strings, numbers and tuples), with
    its ``next`` and ``prev`` cursors. A cursor carries the key of the item it stands after or before, not a
    position, so an item appearing between two requests does not shift the pages."""
    limit = parse_limit(request)
    before, after = _parameters(request).get("before"), _parameters(request).get("after")
    keys = [key(item) for item in items]
    if before:
        bound = decode_key_cursor(before, field="before")
        earlier = [index for index, item_key in enumerate(keys) if _compare(item_key, bound, field="before") < 0]
        chosen = earlier[-limit:]
        has_more_before = len(earlier) > limit
        has_more_after = len(earlier) < len(keys)
    else:
        bound = decode_key_cursor(after, field="after") if after else None
        later = [
            index
            for index, item_key in enumerate(keys)
            if bound is None or _compare(item_key, bound, field="after") > 0
        ]
        chosen = later[:limit]
        has_more_before = bool(after) and len(later) < len(keys)
        has_more_after = len(later) > limit
    page = [items[index] for index in chosen]
    next_cursor = encode_key_cursor(keys[chosen[-1]]) if chosen and has_more_after else None
    prev_cursor = encode_key_cursor(keys[chosen[0]]) if chosen and has_more_before else None
    return page, next_cursor, prev_cursor
