"""GraphQL's ``CursorPaging`` (``first``/``after``/``before``/``last``) over REST v1's pagers
(``config.pagination``): the same opaque cursors, page sizes and order, answered as a connection (``edges`` of
``node``s and a ``PageInfo``). Every paged list of the GraphQL API pages here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from config.errors import InvalidInput
from config.pagination import MAX_LIMIT, cursor_page, encode_cursor, key_page

ModelT = TypeVar("ModelT", bound=Model)
ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None
    prev_cursor: str | None

    def connection(self, cursor_of: Callable[[Any], str] | None = None) -> dict[str, Any]:
        """``edges`` (each item as ``node``) and ``pageInfo``; items are rows unless ``cursor_of`` says otherwise."""
        return {"edges": [{"node": item} for item in self.items], "pageInfo": self.page_info(cursor_of or _row_cursor)}

    def page_info(self, cursor_of: Callable[[Any], str]) -> dict[str, Any]:
        """``PageInfo``: the cursors of the first and last items (``after: endCursor`` asks for the next page)."""
        return {
            "startCursor": cursor_of(self.items[0]) if self.items else None,
            "endCursor": cursor_of(self.items[-1]) if self.items else None,
            "hasNextPage": self.next_cursor is not None,
            "hasPreviousPage": self.prev_cursor is not None,
        }


def _row_cursor(row: Model) -> str:
    return encode_cursor(row.pk)


def _as_query(paging: dict[str, Any] | None) -> dict[str, str]:
    paging = paging or {}
    for name in ("first", "last"):
        size = paging.get(name)
        if size is not None and not 1 <= size <= MAX_LIMIT:
            raise InvalidInput(f"must be between 1 and {MAX_LIMIT}", field=f"paging.{name}")
    if paging.get("last") is not None and not paging.get("before"):
        raise InvalidInput("pages backwards from paging.before, which is missing", field="paging.last")
    params = {
        "limit": paging.get("first") or paging.get("last"),
        "after": paging.get("after"),
        "before": paging.get("before"),
    }
    return {name: str(value) for name, value in params.items() if value}


def _renamed(error: InvalidInput) -> InvalidInput:
    """A cursor refused by the REST pager, named as the GraphQL input names it."""
    return InvalidInput("is not a valid cursor", field=f"paging.{error.field}")


def queryset_page(queryset: QuerySet[ModelT], paging: dict[str, Any] | None) -> Page:
    """One page of ``queryset`` in creation order (``config.pagination.cursor_page``)."""
    try:
        return Page(*cursor_page(queryset, _as_query(paging)))
    except InvalidInput as error:
        if error.field in ("after", "before"):
            raise _renamed(error) from error
        raise


def list_page(items: Sequence[ItemT], paging: dict[str, Any] | None, *, key: Callable[[ItemT], Any]) -> Page:
    """One page of ``items``, sorted by ``key`` (``config.pagination.key_page``)."""
    try:
        return Page(*key_page(items, _as_query(paging), key=key))
    except InvalidInput as error:
        if error.field in ("after", "before"):
            raise _renamed(error) from error
        raise
