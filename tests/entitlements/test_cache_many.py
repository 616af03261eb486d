"""``cached_many`` (the usage windows metering counts in): values are computed once, read back while the tokens they
were cached under stand, this process's recent copy included, and computed again after any invalidation."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache as django_cache

from config import decision_cache as cache

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def decision_cache(settings: Any) -> Iterator[None]:
    settings.ENTITLEMENT_DECISION_CACHE = True
    cache.invalidate_all()
    yield


class Computer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.version = 1

    def __call__(self, ref_id: str, part: Any) -> tuple[Any, datetime | None]:
        self.calls.append((ref_id, part))
        return (ref_id, part, self.version), NOW + timedelta(hours=1)

    def read(self, *keys: tuple[str, Any], now: datetime = NOW) -> dict[tuple[str, Any], Any]:
        self.calls.clear()
        return cache.cached_many(keys, now=now, compute=self)


def test_values_are_computed_once_then_read_back() -> None:
    computer = Computer()
    first = computer.read(("c-1", None), ("c-2", "r-1"))
    assert computer.calls == [("c-1", None), ("c-2", "r-1")]

    computer.version = 2
    assert computer.read(("c-1", None), ("c-2", "r-1")) == first
    assert computer.calls == []


def test_another_process_reads_the_stored_values(monkeypatch: pytest.MonkeyPatch) -> None:
    computer = Computer()
    first = computer.read(("c-1", None))
    # A fresh process has no recent copies: it reads what the first stored.
    monkeypatch.setattr(cache, "_recent", cache._Recent())
    computer.version = 2

    assert computer.read(("c-1", None)) == first
    assert computer.calls == []


@pytest.mark.parametrize(
    "invalidate",
    [
        lambda: cache.invalidate_customer("c-1"),
        lambda: cache.invalidate_customers(["c-1"]),
        cache.invalidate_all,
        # Lost tokens (eviction, a flushed cache) are created afresh, never reused.
        django_cache.clear,
    ],
)
def test_an_invalidated_customer_is_computed_again(invalidate: Any) -> None:
    computer = Computer()
    computer.read(("c-1", None), ("c-2", None))
    computer.version = 2

    invalidate()
    values = computer.read(("c-1", None), ("c-2", None))

    assert ("c-1", None) in computer.calls
    assert values[("c-1", None)] == ("c-1", None, 2)


def test_usage_does_not_invalidate() -> None:
    computer = Computer()
    computer.read(("c-1", None))
    cache.invalidate_usage(["c-1"])
    computer.read(("c-1", None))
    assert computer.calls == []


def test_a_value_is_never_served_at_or_after_the_moment_it_stops_being_right() -> None:
    computer = Computer()
    computer.read(("c-1", None))
    computer.version = 2

    assert computer.read(("c-1", None), now=NOW + timedelta(hours=1)) == {("c-1", None): ("c-1", None, 2)}
    assert computer.calls == [("c-1", None)]
