"""The decision cache's invalidation for callers that hold customers' primary keys (subscriptions' writers).

``config.decision_cache`` keys answers by the customer's ref id and lives below every app, so it cannot look
customers up; this is that look-up, one query for the ids, in the app that owns the table."""

from collections.abc import Iterable

from config import decision_cache
from customers.models import Customer


def invalidate_customer_pks(customer_ids: Iterable[int]) -> None:
    """``decision_cache.invalidate_customers`` for these customers' primary keys."""
    if not decision_cache.enabled():
        return
    ids = set(customer_ids)
    if ids:
        decision_cache.invalidate_customers(Customer.objects.filter(pk__in=ids).values_list("ref_id", flat=True))
