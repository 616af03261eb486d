"""The decision cache: entitlement checks (C9) and entitlement lists (C8) answered from the Django cache.

On when ``settings.ENTITLEMENT_DECISION_CACHE`` is true, which defaults to ``bool(REDIS_URL)``: the cache must be
shared by every process that changes data (API workers, Celery workers, the admin), and without Redis the cache is
a per-process local memory, so the embedded setup answers every check from the database instead (same answers,
no cache). Tests turn it on with local memory, where the test and the live server share one process.

Invalidation is O(1), with no key scans: every cached answer's key carries generation tokens, a global one
(``invalidate_all``: catalog publishes and archives, feature changes), the customer's (``invalidate_customer``:
subscriptions, promotions, archive, resources) and the customer's usage token (``invalidate_usage``: usage
reports, aggregated events). Replacing a token makes every answer cached under the old one unreachable; Redis's
TTL then drops it. A token that is missing (never set, evicted) is created afresh, so a lost token can never bring
back an old answer. Values that do not depend on usage (``cached_many``: the usage windows metering counts in) carry
only the global and the customer's token, so usage reports do not evict them.

Invalidation runs twice: at once, so reads later in the same transaction (and in tests wrapped in one) miss, and
again in ``transaction.on_commit``, so an answer another process cached from the pre-commit data in between is
dropped too. A reader takes the tokens before it reads the database, so what it caches under a token was read no
earlier than that token was set.

Storage: with Redis (the default cache's backend, django-redis), an answer and its tokens are read in one round trip
by a small Lua script, through django-redis's client and connection pool (``get_redis_connection``, the pool the
cache itself uses); otherwise (local memory in tests) through Django's cache API. Both honour the cache's
``KEY_PREFIX``. ``cached_many`` (hundreds of customers per usage batch) reads their tokens in one ``MGET`` and the
values only where this process has not read them under the same tokens lately.

Time: an answer is stored with the moment it stops being right (``validUntil``: a promotion's end, a trial end, a
scheduled cancellation, the end of the usage window) and is never served at or after it, whatever the TTL or the
clock of Redis; answers with no such moment live ``DECISION_TTL`` seconds at most.
"""

import hashlib
import pickle
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache as once
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_redis import get_redis_connection
from redis import Redis

# The longest an answer is kept when nothing in it expires sooner (a safety net: invalidation is the mechanism).
DECISION_TTL = 300
GLOBAL_TOKEN_KEY = "ent:gen"
CUSTOMER_TOKEN_PREFIX = "ent:gen:c:"
USAGE_TOKEN_PREFIX = "ent:gen:u:"
ANSWER_PREFIX = "ent:ans:"
REDIS_BACKEND = "django_redis.cache.RedisCache"
# KEYS: the token keys; ARGV[1]: the value's key prefix. Returns the tokens and the value cached under
# ``prefix:token1:token2...`` (false when a token or the value is missing).
READ_SCRIPT = """
local tokens = redis.call('MGET', unpack(KEYS))
for i = 1, #tokens do
  if not tokens[i] then
    tokens[#KEYS + 1] = false
    return tokens
  end
end
tokens[#KEYS + 1] = redis.call('GET', ARGV[1] .. ':' .. table.concat(tokens, ':'))
return tokens
"""


def enabled() -> bool:
    return bool(getattr(settings, "ENTITLEMENT_DECISION_CACHE", bool(getattr(settings, "REDIS_URL", ""))))


def _new_token() -> str:
    """A value no token key has held before: one call may give it to many keys at once (each key's answers only
    need a token that key never had)."""
    return uuid.uuid4().hex


class _DjangoCacheStore:
    """Through Django's cache API (any backend; local memory in tests)."""

    def replace_tokens(self, keys: list[str]) -> None:
        token = _new_token()
        cache.set_many(dict.fromkeys(keys, token), timeout=None)

    def read_many(self, requests: list[tuple[list[str], str]]) -> list[tuple[list[str | None], Any]]:
        results = []
        for token_keys, prefix in requests:
            found = cache.get_many(token_keys)
            tokens = [found.get(key) for key in token_keys]
            # Joined only when no token is None.
            entry = None if None in tokens else cache.get(":".join([prefix, *tokens]))  # type: ignore[list-item]
            results.append((tokens, entry))
        return results

    def add_token(self, key: str) -> str:
        fresh = _new_token()
        return fresh if cache.add(key, fresh, timeout=None) else cache.get(key, fresh)

    def values(self, keys: list[str]) -> list[Any]:
        found = cache.get_many(keys)
        return [found.get(key) for key in keys]

    def tokens(self, keys: list[str]) -> list[str | None]:
        return self.values(keys)

    def write_many(self, entries: list[tuple[str, Any, int]]) -> None:
        for key, entry, ttl in entries:
            cache.set(key, entry, timeout=ttl)


class _RedisStore:
    """Straight to Redis through the default cache's django-redis client (its connection pool is shared by the
    process); entries pickled, keys prefixed with the cache's ``KEY_PREFIX`` only (no cache key versions)."""

    def __init__(self, prefix: str) -> None:
        # django-redis is untyped; its default client is a redis-py ``Redis``.
        self.client: Redis = get_redis_connection("default")
        self.prefix = f"{prefix}:" if prefix else ""
        self.script = self.client.register_script(READ_SCRIPT)

    def replace_tokens(self, keys: list[str]) -> None:
        token = _new_token()
        self.client.mset({self.prefix + key: token for key in keys})

    def read_many(self, requests: list[tuple[list[str], str]]) -> list[tuple[list[str | None], Any]]:
        results = []
        for request in requests:
            *tokens, raw = self._read(self.client, request)
            results.append(
                ([token.decode() if token else None for token in tokens], pickle.loads(raw) if raw else None)
            )
        return results

    def tokens(self, keys: list[str]) -> list[str | None]:
        return [token.decode() if token else None for token in self._mget(keys)]

    def values(self, keys: list[str]) -> list[Any]:
        return [pickle.loads(raw) if raw else None for raw in self._mget(keys)]

    def _mget(self, keys: list[str]) -> list[bytes | None]:
        # redis-py types every reply ``Awaitable | Any``: its sync and asyncio clients share one set of signatures.
        return self.client.mget([self.prefix + key for key in keys])  # type: ignore[return-value]

    def _read(self, client: Any, request: tuple[list[str], str]) -> Any:
        token_keys, prefix = request
        return self.script(keys=[self.prefix + key for key in token_keys], args=[self.prefix + prefix], client=client)

    def add_token(self, key: str) -> str:
        fresh = _new_token()
        if self.client.set(self.prefix + key, fresh, nx=True):
            return fresh
        # The reply's type, as in ``_mget``.
        found: bytes | None = self.client.get(self.prefix + key)  # type: ignore[assignment]
        return found.decode() if found else fresh

    def write_many(self, entries: list[tuple[str, Any, int]]) -> None:
        pipeline = self.client.pipeline(transaction=False)
        for key, entry, ttl in entries:
            pipeline.set(self.prefix + key, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL), ex=ttl)
        pipeline.execute()


@once
def _redis_store(location: str, prefix: str) -> _RedisStore:
    """One store per default cache (its location and key prefix), built on first use."""
    return _RedisStore(prefix)


def _store() -> _DjangoCacheStore | _RedisStore:
    default = settings.CACHES["default"]
    if default["BACKEND"] == REDIS_BACKEND:
        location = default["LOCATION"]
        return _redis_store(location if isinstance(location, str) else location[0], default.get("KEY_PREFIX", ""))
    return _DjangoCacheStore()


@lru_cache(maxsize=65_536)
def _customer_hash(customer_ref_id: str) -> str:
    return hashlib.blake2b(customer_ref_id.encode(), digest_size=16).hexdigest()


def _customer_token_key(customer_ref_id: str) -> str:
    return CUSTOMER_TOKEN_PREFIX + _customer_hash(customer_ref_id)


def _usage_token_key(customer_ref_id: str) -> str:
    return USAGE_TOKEN_PREFIX + _customer_hash(customer_ref_id)


def _replace_tokens(keys: list[str]) -> None:
    _store().replace_tokens(keys)


def _invalidate(keys: list[str]) -> None:
    if not enabled() or not keys:
        return
    _replace_tokens(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _replace_tokens(keys))


def invalidate_customer(customer_ref_id: str) -> None:
    """Forget every cached answer about this customer (call inside the service's transaction)."""
    _invalidate([_customer_token_key(customer_ref_id)])


def invalidate_customers(customer_ref_ids: Iterable[str]) -> None:
    """``invalidate_customer`` for many customers in one round trip (bulk renewals, migrations)."""
    _invalidate([_customer_token_key(ref_id) for ref_id in dict.fromkeys(customer_ref_ids)])


def invalidate_usage(customer_ref_ids: Iterable[str]) -> None:
    """Forget the cached answers that show these customers' usage (usage reports, aggregated events), in one round
    trip; what does not depend on usage stays cached."""
    _invalidate([_usage_token_key(ref_id) for ref_id in dict.fromkeys(customer_ref_ids)])


def invalidate_all() -> None:
    """Forget every cached answer (catalog publishes and archives, feature changes)."""
    _invalidate([GLOBAL_TOKEN_KEY])


def _read_many(requests: list[tuple[list[str], str]]) -> list[tuple[list[str], Any]]:
    """For each (token keys, value key prefix): the tokens, creating any that is missing, and the value cached under
    them (``None`` when missing). One round trip when every token exists."""
    store = _store()
    results = []
    for (token_keys, _), (tokens, entry) in zip(requests, store.read_many(requests), strict=True):
        if None in tokens:
            entry = None
        results.append(([token or store.add_token(key) for key, token in zip(token_keys, tokens, strict=True)], entry))
    return results


def _tokens(customer_ref_id: str) -> list[str]:
    """The global, customer and usage tokens of the customer (for tests)."""
    token_keys = [GLOBAL_TOKEN_KEY, _customer_token_key(customer_ref_id), _usage_token_key(customer_ref_id)]
    return _read_many([(token_keys, ANSWER_PREFIX)])[0][0]


def _value_prefix(customer_ref_id: str, parts: tuple[Any, ...]) -> str:
    text = "\x1f".join(str(part) for part in (customer_ref_id, *parts))
    return ANSWER_PREFIX + hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def _usable(entry: Any, now: datetime) -> bool:
    return entry is not None and (entry[1] is None or now < entry[1])


def _ttl(good_until: datetime | None, now: datetime) -> int:
    return DECISION_TTL if good_until is None else min(DECISION_TTL, int((good_until - now).total_seconds()))


def cached_answer(
    *,
    customer_ref_id: str,
    parts: tuple[Any, ...],
    now: datetime,
    compute: Callable[[], tuple[Any, datetime | None]],
) -> Any:
    """The answer for ``customer_ref_id`` and the request ``parts`` (everything else the answer depends on), from
    the cache or from ``compute``, which returns the answer and the moment it stops being right (``None``: not
    time-bound). Without the cache, simply ``compute``'s answer."""
    if not enabled():
        return compute()[0]
    prefix = _value_prefix(customer_ref_id, parts)
    customer_hash = _customer_hash(customer_ref_id)
    token_keys = [GLOBAL_TOKEN_KEY, CUSTOMER_TOKEN_PREFIX + customer_hash, USAGE_TOKEN_PREFIX + customer_hash]
    ((tokens, entry),) = _read_many([(token_keys, prefix)])
    if _usable(entry, now):
        return entry[0]
    answer, good_until = compute()
    ttl = _ttl(good_until, now)
    if ttl >= 1:
        _store().write_many([(":".join([prefix, *tokens]), (answer, good_until), ttl)])
    return answer


class _Recent:
    """Values ``cached_many`` read lately, in this process, with the tokens they were cached under: while the tokens
    are the same, the value is the one Redis holds under them (a value is only ever stored under tokens taken before
    it was read, and every change that alters it replaces a token), so reading it again from Redis would only cost
    the transfer and the unpickling. Bounded: emptied when full."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self.entries: dict[tuple[str, Any], tuple[str, str, Any]] = {}

    def get(self, key: tuple[str, Any], global_token: str, customer_token: str) -> Any:
        found = self.entries.get(key)
        if found is not None and found[0] == global_token and found[1] == customer_token:
            return found[2]
        return None

    def put(self, key: tuple[str, Any], global_token: str, customer_token: str, entry: Any) -> None:
        if len(self.entries) >= self.LIMIT:
            self.entries.clear()
        self.entries[key] = (global_token, customer_token, entry)


_recent = _Recent()


def cached_many(
    keys: Iterable[tuple[str, Any]], *, now: datetime, compute: Callable[[str, Any], tuple[Any, datetime | None]]
) -> dict[tuple[str, Any], Any]:
    """Values that do not depend on usage, for many (customer id, part) keys: each from the cache or from
    ``compute(customer_ref_id, part)`` (the value and the moment it stops being right). Invalidated with the
    customer (``invalidate_customer``) and by ``invalidate_all``, not by usage.

    One round trip reads the tokens (the global one once, each customer's), a second, only for values this process
    has not read under the same tokens lately (``_Recent``), the values. Tokens are read before anything is
    computed, as everywhere here."""
    keys = list(dict.fromkeys(keys))
    if not enabled():
        return {key: compute(*key)[0] for key in keys}
    store = _store()
    customers = list(dict.fromkeys(ref_id for ref_id, _ in keys))
    token_keys = [GLOBAL_TOKEN_KEY, *(_customer_token_key(ref_id) for ref_id in customers)]
    found = store.tokens(token_keys)
    tokens = {
        token_key: token if token is not None else store.add_token(token_key)
        for token_key, token in zip(token_keys, found, strict=True)
    }
    global_token = tokens[GLOBAL_TOKEN_KEY]
    values, unread = {}, []
    for key in keys:
        customer_token = tokens[_customer_token_key(key[0])]
        entry = _recent.get(key, global_token, customer_token)
        if _usable(entry, now):
            values[key] = entry[0]
        else:
            prefix = _value_prefix(key[0], ("many", key[1]))
            unread.append((key, customer_token, f"{prefix}:{global_token}:{customer_token}"))
    writes = []
    stored = store.values([value_key for _, _, value_key in unread]) if unread else []
    for (key, customer_token, value_key), entry in zip(unread, stored, strict=True):
        if _usable(entry, now):
            _recent.put(key, global_token, customer_token, entry)
            values[key] = entry[0]
            continue
        value, good_until = compute(*key)
        values[key] = value
        ttl = _ttl(good_until, now)
        if ttl >= 1:
            writes.append((value_key, (value, good_until), ttl))
            _recent.put(key, global_token, customer_token, (value, good_until))
    if writes:
        store.write_many(writes)
    return values
