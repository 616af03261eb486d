"""Per-request batch loaders: a field resolved for many parents is fetched once for all of them.

graphql-core resolves a list's items one after the other, so a resolver cannot wait for its siblings. Instead, the
resolver that returns a list *primes* the loader with every key the list will ask for; the first ``load`` then
fetches all primed keys in one call of the batch function, and the rest are served from the request's memory::

    plans = plan_list(...)
    info.context.loaders.get(plan_entitlements).prime(plan.pk for plan in plans)
    ...
    def resolve_entitlements(plan, info):
        return info.context.loaders.get(plan_entitlements).load(plan.pk)

A batch function takes a list of keys and returns a mapping of key to value (missing keys load as ``default``).
Loaders live on the request's context and die with it, so nothing is shared between requests.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)

BatchFunction = Callable[[list[Any]], Mapping[Any, Any]]


class BatchLoader(Generic[Key]):
    def __init__(self, batch: BatchFunction, default: Any = None) -> None:
        self.batch = batch
        self.default = default
        self.loaded: dict[Key, Any] = {}
        self.pending: dict[Key, None] = {}

    def prime(self, keys: Iterable[Key]) -> None:
        for key in keys:
            if key not in self.loaded:
                self.pending[key] = None

    def load(self, key: Key) -> Any:
        if key not in self.loaded:
            self.pending[key] = None
            keys = list(self.pending)
            self.pending.clear()
            found = self.batch(keys)
            for each in keys:
                self.loaded[each] = found.get(each, self.default)
        return self.loaded[key]

    def load_many(self, keys: Iterable[Key]) -> list[Any]:
        keys = list(keys)
        self.prime(keys)
        return [self.load(key) for key in keys]


class Loaders:
    """The request's loaders, one per batch function (created on first use)."""

    def __init__(self) -> None:
        self._loaders: dict[Any, BatchLoader[Any]] = {}

    def get(self, batch: BatchFunction, default: Any = None) -> BatchLoader[Any]:
        loader = self._loaders.get(batch)
        if loader is None:
            loader = self._loaders[batch] = BatchLoader(batch, default)
        return loader
