"""``CursorPaging`` (``first``/``after``/``before``/``last``) over a queryset in creation order, with REST v1's
opaque cursors (``config.pagination``)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from config.errors import InvalidInput
from config.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor

ModelT = TypeVar("ModelT", bound=Model)


def _size(paging: dict[str, Any], name: str) -> int | None:
    size = paging.get(name)
    if size is not None and not 1 <= size <= MAX_LIMIT:
        raise InvalidInput(f"must be between 1 and {MAX_LIMIT}", field=f"paging.{name}")
    return size


def page(queryset: QuerySet[ModelT], paging: dict[str, Any] | None) -> list[ModelT]:
    """One page: ``first`` items after ``after``, or the ``last`` items before ``before``."""
    paging = paging or {}
    first, last = _size(paging, "first"), _size(paging, "last")
    if paging.get("before") or (last and not first):
        if paging.get("before"):
            queryset = queryset.filter(pk__lt=decode_cursor(str(paging["before"]), field="paging.before"))
        return list(reversed(queryset.order_by("-pk")[: last or DEFAULT_LIMIT]))
    if paging.get("after"):
        queryset = queryset.filter(pk__gt=decode_cursor(str(paging["after"]), field="paging.after"))
    return list(queryset.order_by("pk")[: first or DEFAULT_LIMIT])


def connection(items: list[Any]) -> dict[str, Any]:
    """A ``...Connection`` answer (the SDKs select only ``edges { node }``)."""
    return {"edges": [{"node": item} for item in items]}
