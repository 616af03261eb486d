"""The rows ``entitlements.selectors.customer_grants`` builds grants from, read with plain SQL.

An uncached check is dominated by the ORM compiling SQL (and building model instances), not by PostgreSQL, so
the reads on its path are written out once here: the same rows, in the same order, that the ORM would return, as
dicts keyed like ``values()`` (``feature__ref_id``...). Table and column names come from the models. Portable
between PostgreSQL and SQLite: datetimes are made aware (UTC) and JSON text is parsed where the driver leaves it.
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from catalog.enums import EntitlementType
from catalog.models import Feature, Package, PackageEntitlement, PackageVersion
from customers.models import Customer, CustomerResource
from entitlements.enums import PromoStatus
from entitlements.models import PromotionalEntitlement
from subscriptions.models import Subscription, SubscriptionAddon, SubscriptionEntitlement

CUSTOMER = Customer._meta.db_table
RESOURCE = CustomerResource._meta.db_table
SUBSCRIPTION = Subscription._meta.db_table
ADDON = SubscriptionAddon._meta.db_table
CUSTOM = SubscriptionEntitlement._meta.db_table
PACKAGE = Package._meta.db_table
VERSION = PackageVersion._meta.db_table
ENTITLEMENT = PackageEntitlement._meta.db_table
FEATURE = Feature._meta.db_table
PROMOTION = PromotionalEntitlement._meta.db_table

FEATURE_COLUMNS = "f.ref_id, f.display_name, f.status, f.feature_type, f.meter_type"
FEATURE_KEYS = ("feature__ref_id", "feature__display_name", "feature__status", "feature__feature_type")
FEATURE_KEYS += ("feature__meter_type",)
LIMIT_COLUMNS = "e.usage_limit, e.has_unlimited_usage, e.has_soft_limit, e.reset_period, e.reset_anchor, e.updated_at"
LIMIT_KEYS = ("usage_limit", "has_unlimited_usage", "has_soft_limit", "reset_period", "reset_anchor", "updated_at")

# The customer with its live subscriptions in scope (none: one row of NULL subscription columns), in one statement.
CUSTOMER_SQL = (
    f"SELECT c.id, c.archived_at, EXISTS (SELECT 1 FROM {RESOURCE} r WHERE r.customer_id = c.id AND r.ref_id = %s),"
    " s.id, s.ref_id, s.status, s.start_date, s.trial_end_date, s.cancellation_date, s.product_id, s.plan_id,"
    # ``Subscription.usage_counted_from`` and the last usage reset (a plan change under the product's rule).
    " COALESCE(s.usage_anchor, s.start_date), s.usage_reset_at,"
    f" p.ref_id, s.plan_version_id, v.parent_plan_id FROM {CUSTOMER} c"
    f" LEFT JOIN {SUBSCRIPTION} s ON s.customer_id = c.id AND s.status IN ({{statuses}})"
    " AND (s.resource_key = '' OR s.resource_key = %s)"
    f" LEFT JOIN {PACKAGE} p ON p.id = s.plan_id LEFT JOIN {VERSION} v ON v.id = s.plan_version_id"
    " WHERE c.ref_id = %s ORDER BY s.id"
)
CUSTOMER_KEYS = ("customer_id", "archived_at", "resource_exists")
SUBSCRIPTION_KEYS = ("pk", "ref_id", "status", "start_date", "trial_end_date", "cancellation_date", "product_id")
SUBSCRIPTION_KEYS += ("plan_id", "usage_counted_from", "usage_reset_at", "plan__ref_id", "plan_version_id")
SUBSCRIPTION_KEYS += ("plan_version__parent_plan_id",)
ADDON_SQL = (
    f"SELECT a.subscription_id, p.ref_id, a.addon_version_id, a.quantity FROM {ADDON} a"
    f" JOIN {PACKAGE} p ON p.id = a.addon_id WHERE a.subscription_id IN ({{ids}}) ORDER BY a.id"
)
ADDON_KEYS = ("subscription_id", "addon__ref_id", "addon_version_id", "quantity")
# ``PackageEntitlement.Meta.ordering``: version, ``order`` (nulls last), id.
ENTITLEMENT_SQL = (
    f"SELECT e.version_id, e.is_granted, e.behavior, e.enum_values, {LIMIT_COLUMNS}, {FEATURE_COLUMNS}"
    f" FROM {ENTITLEMENT} e JOIN {FEATURE} f ON f.id = e.feature_id"
    " WHERE e.version_id IN ({ids}) AND e.type = %s"
    ' ORDER BY e.version_id, e."order" IS NULL, e."order", e.id'
)
ENTITLEMENT_KEYS = ("version_id", "is_granted", "behavior", "enum_values", *LIMIT_KEYS, *FEATURE_KEYS)
CUSTOM_SQL = (
    f"SELECT e.subscription_id, {LIMIT_COLUMNS}, {FEATURE_COLUMNS}"
    f" FROM {CUSTOM} e JOIN {FEATURE} f ON f.id = e.feature_id"
    " WHERE e.subscription_id IN ({ids}) AND e.type = %s ORDER BY e.id"
)
CUSTOM_KEYS = ("subscription_id", *LIMIT_KEYS, *FEATURE_KEYS)
# Promotions in force at a moment: current (not revoked or replaced), active, started and not yet ended.
PROMOTION_SQL = (
    f"SELECT e.id, e.enum_values, e.start_date, e.end_date, {LIMIT_COLUMNS}, {FEATURE_COLUMNS}"
    f" FROM {PROMOTION} e JOIN {FEATURE} f ON f.id = e.feature_id"
    " WHERE e.customer_id = %s AND e.revoked_at IS NULL AND e.status = %s AND e.start_date <= %s"
    " AND (e.end_date IS NULL OR e.end_date > %s) ORDER BY e.id"
)
PROMOTION_KEYS = ("pk", "enum_values", "start_date", "end_date", *LIMIT_KEYS, *FEATURE_KEYS)
FEATURE_SQL = f"SELECT {FEATURE_COLUMNS} FROM {FEATURE} f WHERE f.ref_id = %s"
DATETIME_KEYS = frozenset({"start_date", "trial_end_date", "cancellation_date", "end_date", "updated_at"})
DATETIME_KEYS |= {"usage_counted_from", "usage_reset_at"}
JSON_KEYS = frozenset({"enum_values"})


def _aware(value: Any) -> datetime | None:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _rows(sql: str, params: Sequence[Any], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
    datetimes = [key for key in keys if key in DATETIME_KEYS]
    documents = [key for key in keys if key in JSON_KEYS]
    for row in rows:
        for key in datetimes:
            row[key] = _aware(row[key])
        for key in documents:
            row[key] = _json(row[key])
    return rows


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def customer_and_subscriptions(
    customer_ref_id: str, resource_ref_id: str | None, statuses: Sequence[str]
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The customer (``customer_id``, ``archived_at``, whether ``resource_ref_id`` is one of its resources), or
    ``None``, and its subscriptions with these statuses in scope: customer-level ones always, a resource's only
    when that resource is asked for (``resource_ref_id``). One query."""
    sql = CUSTOMER_SQL.replace("{statuses}", _placeholders(statuses))
    params = [resource_ref_id or "", *(str(status) for status in statuses), resource_ref_id or "", customer_ref_id]
    rows = _rows(sql, params, (*CUSTOMER_KEYS, *SUBSCRIPTION_KEYS))
    if not rows:
        return None, []
    customer = {key: rows[0][key] for key in CUSTOMER_KEYS}
    customer["resource_exists"] = bool(customer["resource_exists"])
    return customer, [row for row in rows if row["pk"] is not None]


def addon_rows(subscription_ids: Sequence[int]) -> list[dict[str, Any]]:
    return _rows(ADDON_SQL.replace("{ids}", _placeholders(subscription_ids)), subscription_ids, ADDON_KEYS)


def entitlement_rows(version_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The feature entitlements of these package versions, in the catalog's order."""
    sql = ENTITLEMENT_SQL.replace("{ids}", _placeholders(version_ids))
    return _rows(sql, [*version_ids, EntitlementType.FEATURE.value], ENTITLEMENT_KEYS)


def custom_rows(subscription_ids: Sequence[int]) -> list[dict[str, Any]]:
    sql = CUSTOM_SQL.replace("{ids}", _placeholders(subscription_ids))
    return _rows(sql, [*subscription_ids, EntitlementType.FEATURE.value], CUSTOM_KEYS)


def promotion_rows(customer_id: int, now: datetime) -> list[dict[str, Any]]:
    """The customer's promotions in force at ``now``."""
    moment = connection.ops.adapt_datetimefield_value(now)
    return _rows(PROMOTION_SQL, [customer_id, PromoStatus.ACTIVE.value, moment, moment], PROMOTION_KEYS)


def feature_row(ref_id: str) -> dict[str, Any] | None:
    """The feature with this id (``feature__*`` keys), or ``None``."""
    rows = _rows(FEATURE_SQL, [ref_id], FEATURE_KEYS)
    return rows[0] if rows else None


# --- many customers at once (``selectors.customers_grants``) ----------------------------------------------------------
#
# The same rows for many customers in as many queries as for one, for callers that need the grants of hundreds of
# customers together (event aggregation on a cold decision cache).

CUSTOMERS_SQL = (
    f"SELECT c.ref_id, c.id, c.archived_at, s.resource_key,"
    " s.id, s.ref_id, s.status, s.start_date, s.trial_end_date, s.cancellation_date, s.product_id, s.plan_id,"
    " COALESCE(s.usage_anchor, s.start_date), s.usage_reset_at,"
    f" p.ref_id, s.plan_version_id, v.parent_plan_id FROM {CUSTOMER} c"
    f" LEFT JOIN {SUBSCRIPTION} s ON s.customer_id = c.id AND s.status IN ({{statuses}})"
    f" LEFT JOIN {PACKAGE} p ON p.id = s.plan_id LEFT JOIN {VERSION} v ON v.id = s.plan_version_id"
    " WHERE c.ref_id IN ({ref_ids}) ORDER BY c.id, s.id"
)
CUSTOMERS_KEYS = ("customer__ref_id", "customer_id", "archived_at", "resource_key", *SUBSCRIPTION_KEYS)
RESOURCES_SQL = f"SELECT customer_id, ref_id FROM {RESOURCE} WHERE customer_id IN ({{ids}}) AND ref_id IN ({{refs}})"
PROMOTIONS_SQL = PROMOTION_SQL.replace("SELECT e.id,", "SELECT e.customer_id, e.id,").replace(
    "WHERE e.customer_id = %s", "WHERE e.customer_id IN ({ids})"
)


def customers_with_subscriptions(customer_ref_ids: Sequence[str], statuses: Sequence[str]) -> list[dict[str, Any]]:
    """The customers (``customer__ref_id``, ``customer_id``, ``archived_at``) with every subscription of theirs
    with these statuses, customer-level or of any resource (``resource_key``): one row per subscription, one row of
    NULL subscription columns for a customer without any. Unknown ids have no row. One query."""
    sql = CUSTOMERS_SQL.replace("{statuses}", _placeholders(statuses)).replace(
        "{ref_ids}", _placeholders(customer_ref_ids)
    )
    return _rows(sql, [*(str(status) for status in statuses), *customer_ref_ids], CUSTOMERS_KEYS)


def resources_of(customer_ids: Sequence[int], resource_ref_ids: Sequence[str]) -> set[tuple[int, str]]:
    """Which of these resources these customers have, as (customer id, resource id). One query."""
    if not customer_ids or not resource_ref_ids:
        return set()
    sql = RESOURCES_SQL.replace("{ids}", _placeholders(customer_ids)).replace("{refs}", _placeholders(resource_ref_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*customer_ids, *resource_ref_ids])
        return {(customer_id, ref_id) for customer_id, ref_id in cursor.fetchall()}


def promotion_rows_of(customer_ids: Sequence[int], now: datetime) -> list[dict[str, Any]]:
    """``promotion_rows`` of many customers (with ``customer_id``), in one query."""
    moment = connection.ops.adapt_datetimefield_value(now)
    sql = PROMOTIONS_SQL.replace("{ids}", _placeholders(customer_ids))
    params = [*customer_ids, PromoStatus.ACTIVE.value, moment, moment]
    return _rows(sql, params, ("customer_id", *PROMOTION_KEYS))
