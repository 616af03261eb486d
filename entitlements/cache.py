"""The decision cache: entitlement checks (C9) and entitlement lists (C8) answered from the Django cache.

On when ``settings.ENTITLEMENT_DECISION_CACHE`` is true, which defaults to ``bool(REDIS_URL)``: the cache must be
shared by every process that changes data (API workers, Celery workers, the admin), and without Redis the cache is
a per-process local memory, so the embedded setup answers every check from the database instead (same answers,
no cache). Tests turn it on with local memory, where the test and the live server share one process.

Invalidation is O(1), with no key scans: every cached answer's key carries two generation tokens, a global one
(``invalidate_all``: catalog publishes and archives, feature changes) and the customer's (``invalidate_customer``:
subscriptions, promotions, usage, archive, resources). Replacing a token makes every answer cached under the old
one unreachable; Redis's TTL then drops it. A token that is missing (never set, evicted) is created afresh, so a
lost token can never bring back an old answer.

Invalidation runs twice: at once, so reads later in the same transaction (and in tests wrapped in one) miss, and
again in ``transaction.on_commit``, so an answer another process cached from the pre-commit data in between is
dropped too. A reader takes the tokens before it reads the database, so what it caches under a token was read no
earlier than that token was set.

Storage: with Redis (the default cache's backend), answers and tokens are read in one round trip by a small Lua
script through one client per process (Django's Redis cache builds a client per call, which costs more than the
read itself); otherwise (local memory in tests) through Django's cache API. Both honour the cache's
``KEY_PREFIX``.

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
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# The longest an answer is kept when nothing in it expires sooner (a safety net: invalidation is the mechanism).
DECISION_TTL = 300
GLOBAL_TOKEN_KEY = "ent:gen"
CUSTOMER_TOKEN_PREFIX = "ent:gen:c:"
ANSWER_PREFIX = "ent:ans:"
REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
# KEYS: global token, customer token; ARGV: answer key prefix. Returns both tokens and the answer cached under
# them (false when a token or the answer is missing).
READ_SCRIPT = """
local g = redis.call('GET', KEYS[1])
local c = redis.call('GET', KEYS[2])
if not g or not c then return {g, c, false} end
return {g, c, redis.call('GET', ARGV[1] .. ':' .. g .. ':' .. c)}
"""


def enabled() -> bool:
    return bool(getattr(settings, "ENTITLEMENT_DECISION_CACHE", bool(getattr(settings, "REDIS_URL", ""))))


def _new_token() -> str:
    return uuid.uuid4().hex


class _DjangoCacheStore:
    """Through Django's cache API (any backend; local memory in tests)."""

    def replace_tokens(self, keys: list[str]) -> None:
        cache.set_many({key: _new_token() for key in keys}, timeout=None)

    def read(self, token_keys: tuple[str, str], answer_prefix: str) -> tuple[str | None, str | None, Any]:
        found = cache.get_many(list(token_keys))
        first, second = found.get(token_keys[0]), found.get(token_keys[1])
        if first is None or second is None:
            return first, second, None
        return first, second, cache.get(f"{answer_prefix}:{first}:{second}")

    def add_token(self, key: str) -> str:
        fresh = _new_token()
        return fresh if cache.add(key, fresh, timeout=None) else cache.get(key, fresh)

    def write(self, key: str, entry: Any, ttl: int) -> None:
        cache.set(key, entry, timeout=ttl)


class _RedisStore:
    """Straight to Redis with one client (and connection pool) per process; entries pickled."""

    def __init__(self, location: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(location)
        self.prefix = f"{prefix}:" if prefix else ""
        self.script = self.client.register_script(READ_SCRIPT)

    def replace_tokens(self, keys: list[str]) -> None:
        self.client.mset({self.prefix + key: _new_token() for key in keys})

    def read(self, token_keys: tuple[str, str], answer_prefix: str) -> tuple[str | None, str | None, Any]:
        first, second, raw = self.script(
            keys=[self.prefix + key for key in token_keys], args=[self.prefix + answer_prefix]
        )
        decoded = [token.decode() if token else None for token in (first, second)]
        return decoded[0], decoded[1], pickle.loads(raw) if raw else None

    def add_token(self, key: str) -> str:
        fresh = _new_token()
        if self.client.set(self.prefix + key, fresh, nx=True):
            return fresh
        found = self.client.get(self.prefix + key)
        return found.decode() if found else fresh

    def write(self, key: str, entry: Any, ttl: int) -> None:
        self.client.set(self.prefix + key, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL), ex=ttl)


@once
def _redis_store(location: str, prefix: str) -> _RedisStore:
    return _RedisStore(location, prefix)


def _store() -> _DjangoCacheStore | _RedisStore:
    default = settings.CACHES["default"]
    if default["BACKEND"] == REDIS_BACKEND:
        location = default["LOCATION"]
        return _redis_store(location if isinstance(location, str) else location[0], default.get("KEY_PREFIX", ""))
    return _DjangoCacheStore()


def _customer_token_key(customer_ref_id: str) -> str:
    return CUSTOMER_TOKEN_PREFIX + hashlib.blake2b(customer_ref_id.encode(), digest_size=16).hexdigest()


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


def invalidate_customer_pks(customer_ids: Iterable[int]) -> None:
    """``invalidate_customers`` for callers holding primary keys (subscriptions): one query for their ids."""
    if not enabled():
        return
    from customers.models import Customer

    ids = set(customer_ids)
    if ids:
        invalidate_customers(Customer.objects.filter(pk__in=ids).values_list("ref_id", flat=True))


def invalidate_all() -> None:
    """Forget every cached answer (catalog publishes and archives, feature changes)."""
    _invalidate([GLOBAL_TOKEN_KEY])


def _read(customer_ref_id: str, answer_prefix: str) -> tuple[str, str, Any]:
    """The global and the customer's token, creating any that is missing, and the answer cached under them."""
    store = _store()
    token_keys = (GLOBAL_TOKEN_KEY, _customer_token_key(customer_ref_id))
    first, second, entry = store.read(token_keys, answer_prefix)
    if first is None or second is None:
        first = first or store.add_token(token_keys[0])
        second = second or store.add_token(token_keys[1])
        entry = None
    return first, second, entry


def _tokens(customer_ref_id: str) -> tuple[str, str]:
    first, second, _ = _read(customer_ref_id, ANSWER_PREFIX)
    return first, second


def _answer_prefix(customer_ref_id: str, parts: tuple[Any, ...]) -> str:
    text = "\x1f".join(str(part) for part in (customer_ref_id, *parts))
    return ANSWER_PREFIX + hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


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
    prefix = _answer_prefix(customer_ref_id, parts)
    first, second, entry = _read(customer_ref_id, prefix)
    if entry is not None:
        answer, good_until = entry
        if good_until is None or now < good_until:
            return answer
    answer, good_until = compute()
    ttl = DECISION_TTL if good_until is None else min(DECISION_TTL, int((good_until - now).total_seconds()))
    if ttl >= 1:
        _store().write(f"{prefix}:{first}:{second}", (answer, good_until), ttl)
    return answer
