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

Time: an answer is stored with the moment it stops being right (``validUntil``: a promotion's end, a trial end, a
scheduled cancellation, the end of the usage window) and is never served at or after it, whatever the TTL or the
clock of Redis; answers with no such moment live ``DECISION_TTL`` seconds at most.
"""

import hashlib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# The longest an answer is kept when nothing in it expires sooner (a safety net: invalidation is the mechanism).
DECISION_TTL = 300
GLOBAL_TOKEN_KEY = "ent:gen"
CUSTOMER_TOKEN_PREFIX = "ent:gen:c:"
ANSWER_PREFIX = "ent:ans:"


def enabled() -> bool:
    return bool(getattr(settings, "ENTITLEMENT_DECISION_CACHE", bool(getattr(settings, "REDIS_URL", ""))))


def _customer_token_key(customer_ref_id: str) -> str:
    return CUSTOMER_TOKEN_PREFIX + hashlib.blake2b(customer_ref_id.encode(), digest_size=16).hexdigest()


def _new_token() -> str:
    return uuid.uuid4().hex


def _replace_tokens(keys: list[str]) -> None:
    if keys:
        cache.set_many({key: _new_token() for key in keys}, timeout=None)


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


def _tokens(customer_ref_id: str) -> tuple[str, str]:
    """The global and the customer's token, creating any that is missing (one round trip when both exist)."""
    customer_key = _customer_token_key(customer_ref_id)
    found = cache.get_many([GLOBAL_TOKEN_KEY, customer_key])
    tokens = []
    for key in (GLOBAL_TOKEN_KEY, customer_key):
        token = found.get(key)
        if token is None:
            fresh = _new_token()
            token = fresh if cache.add(key, fresh, timeout=None) else cache.get(key, fresh)
        tokens.append(token)
    return tokens[0], tokens[1]


def _answer_key(customer_ref_id: str, parts: tuple[Any, ...], tokens: tuple[str, str]) -> str:
    text = "\x1f".join(str(part) for part in (*tokens, customer_ref_id, *parts))
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
    key = _answer_key(customer_ref_id, parts, _tokens(customer_ref_id))
    entry = cache.get(key)
    if entry is not None:
        answer, good_until = entry
        if good_until is None or now < good_until:
            return answer
    answer, good_until = compute()
    ttl = DECISION_TTL if good_until is None else min(DECISION_TTL, int((good_until - now).total_seconds()))
    if ttl >= 1:
        cache.set(key, (answer, good_until), timeout=ttl)
    return answer
