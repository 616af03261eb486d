"""The rows ``entitlements.selectors.customer_grants`` builds grants from, read with plain SQL.

An uncached check is dominated by the ORM compiling SQL (and building model instances), not by PostgreSQL, so
the reads on its path are written out once here: the same rows, in the same order, that the ORM would return, as
dicts keyed like ``values()`` (``feature__ref_id``...). Table and column names come from the models. JSON is
parsed here (Django's psycopg setup loads ``jsonb`` as text for ``JSONField`` to parse) and datetimes made aware
(UTC) where they are not.

``customer_rows`` reads every kind of row for one customer in one statement (prepared on PostgreSQL:
``config.prepared``); it is what the selector uses. The per-kind reads (``customer_and_subscriptions``,
``addon_rows``, ``parent_rows``...) define each kind's rows and order, and the tests hold the one statement to them.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from catalog.enums import EntitlementType, PackageKind
from catalog.models import Feature, Package, PackageEntitlement, PackageVersion
from config.prepared import fetch_all
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
FEATURE_KEYS: tuple[str, ...] = ("feature__ref_id", "feature__display_name", "feature__status", "feature__feature_type")
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
SUBSCRIPTION_KEYS: tuple[str, ...] = ("pk", "ref_id", "status", "start_date", "trial_end_date", "cancellation_date")
SUBSCRIPTION_KEYS += ("product_id", "plan_id", "usage_counted_from", "usage_reset_at", "plan__ref_id")
SUBSCRIPTION_KEYS += ("plan_version_id",)
SUBSCRIPTION_KEYS += ("plan_version__parent_plan_id",)
ADDON_SQL = (
    f"SELECT a.subscription_id, p.ref_id, a.addon_version_id, a.quantity FROM {ADDON} a"
    f" JOIN {PACKAGE} p ON p.id = a.addon_id WHERE a.subscription_id IN ({{ids}}) ORDER BY a.id"
)
ADDON_KEYS = ("subscription_id", "addon__ref_id", "addon_version_id", "quantity")
PARENT_SQL = (
    f"SELECT v.id, v.package_id, p.ref_id, v.parent_plan_id FROM {VERSION} v JOIN {PACKAGE} p ON p.id = v.package_id"
    " WHERE v.is_latest = %s AND p.kind = %s AND p.product_id IN ({ids}) ORDER BY v.id"
)
PARENT_KEYS = ("pk", "package_id", "package__ref_id", "parent_plan_id")
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
        return _converted([dict(zip(keys, row, strict=True)) for row in cursor.fetchall()], keys)


def _converted(rows: list[dict[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    """Datetimes made aware and JSON parsed, in place (what ``JSONField.from_db_value`` would do for the ORM)."""
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
    return _customer_of(_rows(sql, params, (*CUSTOMER_KEYS, *SUBSCRIPTION_KEYS)))


def _customer_of(rows: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The customer and its subscriptions from rows of both (one row of NULL subscription columns: none)."""
    if not rows:
        return None, []
    customer = {key: rows[0][key] for key in CUSTOMER_KEYS}
    customer["resource_exists"] = bool(customer["resource_exists"])
    return customer, [row for row in rows if row["pk"] is not None]


def addon_rows(subscription_ids: Sequence[int]) -> list[dict[str, Any]]:
    return _rows(ADDON_SQL.replace("{ids}", _placeholders(subscription_ids)), subscription_ids, ADDON_KEYS)


def parent_rows(product_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The latest published version of every plan of these products (``pk``, ``package_id``, ``package__ref_id``,
    ``parent_plan_id``): a subscribed plan's whole parent chain, whatever its depth."""
    sql = PARENT_SQL.replace("{ids}", _placeholders(product_ids))
    return _rows(sql, [True, PackageKind.PLAN.value, *product_ids], PARENT_KEYS)


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


# --- everything in one statement --------------------------------------------------------------------------------------
#
# A check is dominated by round trips (each statement costs a network round trip, PostgreSQL's parse and plan, and
# the driver's work), so ``customer_rows`` reads what ``customer_grants`` needs, and the checked feature, in one
# statement: common table expressions for the customer, its subscriptions in scope, their add-ons and the parent
# plan versions, then one ``UNION ALL`` branch per kind of row. Branches share typed columns (a tag, four sort keys,
# then slots by type, NULL where a branch has nothing); each branch's rows are the per-kind reads' above, in their
# order. NULLs are cast so PostgreSQL types every column from any branch.

SLOT_TYPES = {
    "int": "bigint",
    "float": "double precision",
    "text": "text",
    "bool": "boolean",
    "datetime": "timestamp with time zone",
    "json": "jsonb",
}
SORT_TYPES = ("int", "int", "float", "int")


@dataclass(frozen=True)
class _Branch:
    """One kind of row: its keys with their SQL expressions and slot types, its FROM clause and its sort keys."""

    name: str
    columns: tuple[tuple[str, str, str], ...]  # (key, expression, slot type)
    source: str
    order: tuple[str, ...]


def _columns(expressions: str, keys: Sequence[str], types: Sequence[str]) -> tuple[tuple[str, str, str], ...]:
    return tuple(zip(keys, [part.strip() for part in expressions.split(",")], types, strict=True))


T_FEATURE = ("text",) * 5
T_LIMIT = ("int", "bool", "bool", "text", "text", "datetime")
ROWS_CTE = (
    "WITH cust AS ("
    " SELECT c.id, c.archived_at,"
    f" EXISTS (SELECT 1 FROM {RESOURCE} r WHERE r.customer_id = c.id AND r.ref_id = %s) AS resource_exists"
    f" FROM {CUSTOMER} c WHERE c.ref_id = %s),"
    " sub AS ("
    " SELECT s.id, s.ref_id, s.status, s.start_date, s.trial_end_date, s.cancellation_date, s.product_id, s.plan_id,"
    " COALESCE(s.usage_anchor, s.start_date) AS usage_counted_from, s.usage_reset_at, p.ref_id AS plan_ref_id,"
    f" s.plan_version_id, v.parent_plan_id FROM {SUBSCRIPTION} s JOIN cust ON s.customer_id = cust.id"
    f" LEFT JOIN {PACKAGE} p ON p.id = s.plan_id LEFT JOIN {VERSION} v ON v.id = s.plan_version_id"
    " WHERE s.status IN ({statuses}) AND (s.resource_key = '' OR s.resource_key = %s)),"
    " addon AS ("
    f" SELECT a.id, a.subscription_id, p.ref_id, a.addon_version_id, a.quantity FROM {ADDON} a"
    f" JOIN {PACKAGE} p ON p.id = a.addon_id WHERE a.subscription_id IN (SELECT id FROM sub)),"
    # The latest published version of every plan of the products whose subscribed plans inherit: the whole parent
    # chain (parents are plans of the same product), whatever its depth.
    " parent AS ("
    f" SELECT v.id, v.package_id, p.ref_id, v.parent_plan_id FROM {VERSION} v JOIN {PACKAGE} p ON p.id = v.package_id"
    " WHERE v.is_latest = %s AND p.kind = %s"
    " AND p.product_id IN (SELECT product_id FROM sub WHERE parent_plan_id IS NOT NULL))"
)
BRANCHES = (
    _Branch(
        "subscriptions",
        _columns("cust.id, cust.archived_at, cust.resource_exists", CUSTOMER_KEYS, ("int", "datetime", "bool"))
        + _columns(
            "sub.id, sub.ref_id, sub.status, sub.start_date, sub.trial_end_date, sub.cancellation_date,"
            " sub.product_id, sub.plan_id, sub.usage_counted_from, sub.usage_reset_at, sub.plan_ref_id,"
            " sub.plan_version_id, sub.parent_plan_id",
            SUBSCRIPTION_KEYS,
            ("int", "text", "text", *("datetime",) * 3, "int", "int", "datetime", "datetime", "text", "int", "int"),
        ),
        # Without subscriptions: one row of NULL subscription columns.
        "FROM cust LEFT JOIN sub ON 1 = 1",
        ("sub.id",),
    ),
    _Branch(
        "addons",
        _columns(
            "a.subscription_id, a.ref_id, a.addon_version_id, a.quantity", ADDON_KEYS, ("int", "text", "int", "int")
        ),
        "FROM addon a",
        ("a.id",),
    ),
    _Branch(
        "parents",
        _columns(
            "v.id, v.package_id, v.ref_id, v.parent_plan_id",
            PARENT_KEYS,
            ("int", "int", "text", "int"),
        ),
        "FROM parent v",
        ("v.id",),
    ),
    _Branch(
        "entitlements",
        _columns(
            f"e.version_id, e.is_granted, e.behavior, e.enum_values, {LIMIT_COLUMNS}, {FEATURE_COLUMNS}",
            ENTITLEMENT_KEYS,
            ("int", "bool", "text", "json", *T_LIMIT, *T_FEATURE),
        ),
        f"FROM {ENTITLEMENT} e JOIN {FEATURE} f ON f.id = e.feature_id WHERE e.type = %s AND e.version_id IN"
        " (SELECT plan_version_id FROM sub UNION SELECT addon_version_id FROM addon UNION SELECT id FROM parent)",
        # ``PackageEntitlement.Meta.ordering``: version, ``order`` (nulls last), id.
        ("e.version_id", 'CASE WHEN e."order" IS NULL THEN 1 ELSE 0 END', 'e."order"', "e.id"),
    ),
    _Branch(
        "custom",
        _columns(f"e.subscription_id, {LIMIT_COLUMNS}, {FEATURE_COLUMNS}", CUSTOM_KEYS, ("int", *T_LIMIT, *T_FEATURE)),
        f"FROM {CUSTOM} e JOIN {FEATURE} f ON f.id = e.feature_id"
        " WHERE e.type = %s AND e.subscription_id IN (SELECT id FROM sub)",
        ("e.id",),
    ),
    _Branch(
        "promotions",
        _columns(
            f"e.id, e.enum_values, e.start_date, e.end_date, {LIMIT_COLUMNS}, {FEATURE_COLUMNS}",
            PROMOTION_KEYS,
            ("int", "json", "datetime", "datetime", *T_LIMIT, *T_FEATURE),
        ),
        f"FROM {PROMOTION} e JOIN {FEATURE} f ON f.id = e.feature_id"
        " WHERE e.customer_id IN (SELECT id FROM cust) AND e.revoked_at IS NULL AND e.status = %s"
        " AND e.start_date <= %s AND (e.end_date IS NULL OR e.end_date > %s)",
        ("e.id",),
    ),
    _Branch("feature", _columns(FEATURE_COLUMNS, FEATURE_KEYS, T_FEATURE), f"FROM {FEATURE} f WHERE f.ref_id = %s", ()),
)


def _slots() -> dict[str, int]:
    """How many columns of each type the widest branch needs."""
    return {
        kind: max(sum(1 for _, _, slot in branch.columns if slot == kind) for branch in BRANCHES) for kind in SLOT_TYPES
    }


def _null(slot: str) -> str:
    return f"CAST(NULL AS {SLOT_TYPES[slot]})"


def _select(tag: int, branch: _Branch, slots: dict[str, int]) -> tuple[str, tuple[int, ...]]:
    """The branch's SELECT, and the position of each of its keys in the shared row."""
    expressions = [str(tag)] + [
        branch.order[index] if index < len(branch.order) else _null(slot) for index, slot in enumerate(SORT_TYPES)
    ]
    positions: dict[str, int] = {}
    for kind, count in slots.items():
        mine = [(key, expression) for key, expression, slot in branch.columns if slot == kind]
        for key, expression in mine:
            positions[key] = len(expressions)
            expressions.append(expression)
        expressions += [_null(kind)] * (count - len(mine))
    return f"SELECT {', '.join(expressions)} {branch.source}", tuple(positions[key] for key, _, _ in branch.columns)


def _statement(*, with_feature: bool) -> tuple[str, tuple[tuple[int, ...], ...]]:
    slots = _slots()
    branches = BRANCHES if with_feature else BRANCHES[:-1]
    selects = [_select(tag, branch, slots) for tag, branch in enumerate(branches)]
    sql = f"{ROWS_CTE} {' UNION ALL '.join(select for select, _ in selects)} ORDER BY 1, 2, 3, 4, 5"
    return sql, tuple(positions for _, positions in selects)


ROWS_STATEMENTS = {with_feature: _statement(with_feature=with_feature) for with_feature in (False, True)}


@dataclass
class CustomerRows:
    """What ``customer_rows`` read, keyed as the per-kind reads above key their rows."""

    customer: dict[str, Any] | None
    subscriptions: list[dict[str, Any]]
    addons: list[dict[str, Any]]
    parents: list[dict[str, Any]]
    entitlements: list[dict[str, Any]]
    custom: list[dict[str, Any]]
    promotions: list[dict[str, Any]]
    feature: dict[str, Any] | None


def customer_rows(
    customer_ref_id: str,
    resource_ref_id: str | None,
    statuses: Sequence[str],
    now: datetime,
    *,
    feature_ref_id: str | None = None,
) -> CustomerRows:
    """In one statement: the customer (as ``customer_and_subscriptions``), its subscriptions with these statuses in
    scope, their add-ons (``addon_rows``), the parent plan versions (``parent_rows``), the feature entitlements of
    every plan, parent and add-on version (``entitlement_rows``), the subscriptions' custom entitlements
    (``custom_rows``), the promotions in force at ``now`` (``promotion_rows``), and, when ``feature_ref_id`` is
    given, that feature (``feature_row``). Rows for an unknown customer are all empty."""
    template, positions = ROWS_STATEMENTS[feature_ref_id is not None]
    sql = template.replace("{statuses}", _placeholders(statuses))
    moment = connection.ops.adapt_datetimefield_value(now)
    feature_type = EntitlementType.FEATURE.value
    params: list[object] = [
        resource_ref_id or "",
        customer_ref_id,
        *(str(status) for status in statuses),
        resource_ref_id or "",
    ]
    params += [True, PackageKind.PLAN.value, feature_type, feature_type, PromoStatus.ACTIVE.value, moment, moment]
    if feature_ref_id is not None:
        params.append(feature_ref_id)
    fetched = fetch_all(sql, params)
    found: list[list[dict[str, Any]]] = [[] for _ in positions]
    keys = [[key for key, _, _ in branch.columns] for branch in BRANCHES]
    for row in fetched:
        tag = row[0]
        found[tag].append(dict(zip(keys[tag], [row[index] for index in positions[tag]], strict=True)))
    for tag, rows in enumerate(found):
        _converted(rows, keys[tag])
    customer, subscriptions = _customer_of(found[0])
    return CustomerRows(
        customer=customer,
        subscriptions=subscriptions,
        addons=found[1],
        parents=found[2],
        entitlements=found[3],
        custom=found[4],
        promotions=found[5],
        feature=found[6][0] if feature_ref_id is not None and found[6] else None,
    )


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
