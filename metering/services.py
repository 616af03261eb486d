"""Metering writes: usage reports counted into per-window counters.

Counters are keyed by customer, resource, feature and window start; the window comes from the customer's
entitlement at the usage's time (the rule of ``entitlements.evaluation.usage_window``), so a new window starts a new
row at zero and nothing ever resets a counter. Concurrent reports never lose or double count: a batch creates its
counters through their unique constraint and locks them in key order (``metering.counters``), counts its items, and
writes the counters and the measurements, all in one transaction with a fixed number of queries (``_count_batch``).
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, transaction

from catalog.enums import FeatureType
from catalog.models import Feature
from config.decision_cache import cached_many, invalidate_usage
from config.pg_arrays import int_array, plain_array, text_array, time_array, uuid_array
from config.prepared import server_cursor
from customers.models import Customer, CustomerResource
from entitlements.evaluation import WindowRule, effective_entitlements, usage_windows, window_rule
from entitlements.selectors import customer_grants
from entitlements.usage_periods import UsagePeriod
from entitlements.usage_window_memo import window_at
from metering import errors
from metering.counters import CounterKey, lock_counters, write_counters
from metering.db import is_unique_violation
from metering.enums import UpdateBehavior
from metering.history import EARLIEST, LATEST, OUT_OF_RANGE
from metering.measurements import Measured, NewMeasurement, insert_measurements, measurements_by_key, new_ref_ids
from metering.models import UsageCounter, UsageMeasurement
from metering.selectors import counter_period_start

# How long a client's idempotency key protects against counting a report twice (contract §3.4).
IDEMPOTENCY_WINDOW = timedelta(days=7)
# A batch losing an idempotency key (or a deadlock) to a concurrent batch is counted again, this many times at most.
COUNT_ATTEMPTS = 5
ZERO = Decimal(0)
DEADLOCK_DETECTED = "40P01"
CUSTOMERS_BY_REF_ID_SQL = (
    f'SELECT "ref_id", "id", "archived_at" FROM "{Customer._meta.db_table}" WHERE "ref_id" = ANY(%s::text[])'
)


# The dimensions of an item that has none (read-only: one object shared by every such item).
NO_DIMENSIONS: Mapping[str, Any] = MappingProxyType({})


class UsageReport(NamedTuple):
    """One reported item, as the API validated it (a tuple: a batch makes a thousand of them)."""

    customer_ref_id: str
    feature_ref_id: str
    value: Decimal
    update_behavior: str = UpdateBehavior.DELTA
    resource_ref_id: str | None = None
    idempotency_key: str | None = None
    # When the usage happened; ``None``: now.
    created_at: datetime | None = None
    dimensions: Mapping[str, Any] = NO_DIMENSIONS


class _Checked(NamedTuple):
    report: UsageReport
    customer_id: int
    customer_ref_id: str
    feature_id: int
    feature_ref_id: str


def _customers(ref_ids: set[str]) -> dict[str, tuple[int, datetime | None]]:
    """The primary key and archive moment of each customer found, by id. One query (the ids are bound as one
    array, not quoted into the SQL in Python)."""
    with server_cursor() as cursor:
        cursor.execute(CUSTOMERS_BY_REF_ID_SQL, [text_array(list(ref_ids))])
        rows = cursor.fetchall()
    return {ref_id: (pk, archived_at) for ref_id, pk, archived_at in rows}


def _validate(items: Sequence[UsageReport]) -> list[_Checked]:
    """Every item's moment, value, customer, feature and resource, in three queries at most (no resource: two); the
    first bad item raises, naming it."""
    customers = _customers({item.customer_ref_id for item in items})
    features = {
        feature.ref_id: (feature.pk, feature.feature_type == FeatureType.BOOLEAN or not feature.is_metered)
        for feature in Feature.objects.filter(ref_id__in={item.feature_ref_id for item in items}).only(
            "pk", "ref_id", "feature_type", "meter_type"
        )
    }
    resource_ref_ids = {item.resource_ref_id for item in items if item.resource_ref_id}
    resources = (
        set(
            CustomerResource.objects.filter(
                customer_id__in=[pk for pk, _ in customers.values()], ref_id__in=resource_ref_ids
            ).values_list("customer_id", "ref_id")
        )
        if resource_ref_ids
        else set()
    )
    checked = []
    replaces = UpdateBehavior.SET.value
    for index, item in enumerate(items):
        # A usage window around the moment must stay within what a datetime holds (as for usage history).
        if item.created_at is not None and not EARLIEST <= item.created_at <= LATEST:
            raise errors.UsageMomentOutOfRange(OUT_OF_RANGE, field=f"usages[{index}].createdAt")
        if item.value < ZERO and item.update_behavior == replaces:
            raise errors.UsageValueInvalid(
                "must not be negative when updateBehavior is SET (it is the new total)", field=f"usages[{index}].value"
            )
        customer = customers.get(item.customer_ref_id)
        if customer is None:
            path = f"usages[{index}].customerId"
            raise errors.UsageCustomerNotFound(f"no customer {item.customer_ref_id}", field=path)
        customer_id, archived_at = customer
        if archived_at is not None:
            path = f"usages[{index}].customerId"
            raise errors.CustomerArchived(f"customer {item.customer_ref_id} is archived", field=path)
        feature = features.get(item.feature_ref_id)
        if feature is None:
            path = f"usages[{index}].featureId"
            raise errors.UsageFeatureNotFound(f"no feature {item.feature_ref_id}", field=path)
        feature_id, unmetered = feature
        if unmetered:
            raise errors.FeatureNotMetered(
                f"feature {item.feature_ref_id} is not metered; usage cannot be reported",
                field=f"usages[{index}].featureId",
            )
        if item.resource_ref_id and (customer_id, item.resource_ref_id) not in resources:
            raise errors.UsageResourceNotFound(
                f"customer {item.customer_ref_id} has no resource {item.resource_ref_id}",
                field=f"usages[{index}].resourceId",
            )
        checked.append(_Checked(item, customer_id, item.customer_ref_id, feature_id, item.feature_ref_id))
    return checked


def window_rules(
    customer_ref_id: str, resource_ref_id: str | None, *, now: datetime
) -> tuple[dict[str, WindowRule], datetime | None]:
    """The usage-window rule (``evaluation.window_rule``, what ``evaluation.usage_window`` computes a window from)
    of every metered feature the customer holds ``now``, and the moment they may change (the earliest end of a
    grant): cached with the customer by ``config.decision_cache.cached_many``, small so that reading a batch's customers
    back costs little."""
    grants = customer_grants(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
    rules = {
        feature_ref_id: window_rule(entitlement)
        for feature_ref_id, entitlement in effective_entitlements(grants.grants, now=now).items()
        if entitlement.feature.is_metered
    }
    ends = [grant.expires_at for grant in grants.grants if grant.expires_at is not None and grant.expires_at > now]
    return rules, min(ends, default=None)


def _windows(checked: Sequence[_Checked], *, now: datetime) -> list[UsagePeriod | None]:
    """Each item's usage window: the one containing its time (``createdAt``, else ``now``) of the feature's
    entitlement as the customer holds it ``now``; ``None`` when its usage never resets or nothing grants it.

    The rules come from the decision cache (one round trip for the batch; the grants selector for customers not
    cached), and each window is computed once per customer, resource, feature and time. An item dated after ``now``
    is computed from the grants at its own time, as before."""
    keys = {(item.customer_ref_id, item.report.resource_ref_id) for item in checked}
    rules = cached_many(keys, now=now, compute=lambda ref_id, resource: window_rules(ref_id, resource, now=now))
    found: dict[tuple[str, str | None, str, datetime], UsagePeriod | None] = {}
    windows = []
    for item in checked:
        resource = item.report.resource_ref_id
        at = item.report.created_at or now
        key = (item.customer_ref_id, resource, item.feature_ref_id, at)
        if key not in found:
            if at > now:
                grants = customer_grants(customer_ref_id=item.customer_ref_id, resource_ref_id=resource, now=now)
                found[key] = usage_windows(grants, now=at).get(item.feature_ref_id)
            else:
                rule = rules[(item.customer_ref_id, resource)].get(item.feature_ref_id)
                found[key] = None if rule is None else window_at(rule, at)
        windows.append(found[key])
    return windows


def _is_deadlock(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def _counter_key(item: _Checked, period_start: datetime) -> CounterKey:
    return (item.customer_id, item.report.resource_ref_id or "", item.feature_id, period_start)


_COUNT_DELTAS_SQL = (
    # The batch's sum per counter, in key order (the order of the arrays), numbered.
    "WITH sums AS (SELECT * FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::timestamptz[], %s::numeric[]) "
    "WITH ORDINALITY AS s(customer_id, resource_key, feature_id, period_start, value, counter)), "
    # Added to the counters, created where missing, in that order (so concurrent batches queue instead of
    # deadlocking); the rows stay locked until commit.
    f'counted AS (INSERT INTO "{UsageCounter._meta.db_table}" AS c ("customer_id", "resource_key", "feature_id", '
    '"period_start", "value", "updated_at") SELECT sums.customer_id, sums.resource_key, sums.feature_id, '
    "sums.period_start, sums.value, %s FROM sums "
    'ON CONFLICT ("customer_id", "resource_key", "feature_id", "period_start") '
    'DO UPDATE SET "value" = c."value" + EXCLUDED."value", "updated_at" = EXCLUDED."updated_at" '
    'RETURNING c."customer_id", c."resource_key", c."feature_id", c."period_start", c."value"), '
    "totals AS (SELECT sums.counter, sums.customer_id, sums.resource_key, sums.feature_id, sums.period_start, "
    "counted.value FROM sums JOIN counted USING (customer_id, resource_key, feature_id, period_start)), "
    # Each item's measurement carries its counter's value right after it: the new total less what the batch adds
    # to that counter after this item (``rest``). No dimensions: null; no time of its own: null (the batch's now).
    f'measured AS (INSERT INTO "{UsageMeasurement._meta.db_table}" ("ref_id", "customer_id", "resource_key", '
    '"feature_id", "value", "update_behavior", "idempotency_key", "dimensions", "timestamp", "created_at", '
    '"current_usage", "period_start", "period_end") SELECT i.ref_id, t.customer_id, t.resource_key, t.feature_id, '
    "i.value, %s, i.idempotency_key, COALESCE(i.dimensions::jsonb, '{}'::jsonb), COALESCE(i.moment, %s), %s, "
    "t.value - i.rest, t.period_start, i.period_end "
    "FROM unnest(%s::bigint[], %s::uuid[], %s::numeric[], %s::numeric[], %s::text[], %s::text[], "
    "%s::timestamptz[], %s::timestamptz[]) AS i(counter, ref_id, value, rest, idempotency_key, dimensions, moment, "
    "period_end) "
    "JOIN totals t USING (counter)) "
    "SELECT counter, value FROM totals"
)


def _count_deltas_in_one_statement(
    fresh: Sequence[_Checked],
    keys: Sequence[CounterKey],
    ref_ids: Sequence[str],
    sums: dict[CounterKey, Decimal],
    ends: Sequence[datetime | None],
    *,
    now: datetime,
) -> dict[CounterKey, Decimal]:
    """Add each sum to its counter (created where missing, in key order, locked until commit) and insert the DELTA
    measurements of the ``fresh`` items (``keys[i]``, ``ref_ids[i]`` and ``ends[i]``: item ``i``'s counter, id and
    window end), each with its counter's value right after it, in one statement: no round trip and no Python while
    the counters are locked. The arrays are built whole (``config.pg_arrays``). The counters' new
    totals."""
    ordered = sorted(sums)
    numbers = {key: number for number, key in enumerate(ordered, start=1)}
    added = dict.fromkeys(ordered, ZERO)
    counters, values, rests, idempotency_keys, dimensions, moments = [], [], [], [], [], []
    encode = DjangoJSONEncoder().encode
    for item, key in zip(fresh, keys, strict=True):
        report = item.report
        added[key] = total = added[key] + report.value
        counters.append(numbers[key])
        values.append(report.value)
        rests.append(sums[key] - total)
        idempotency_keys.append(report.idempotency_key)
        # As the model's JSONField writes them (decimals as strings).
        dimensions.append(encode(dict(report.dimensions)) if report.dimensions else None)
        moments.append(report.created_at)
    parameters = [
        int_array(key[0] for key in ordered),
        text_array([key[1] for key in ordered]),
        int_array(key[2] for key in ordered),
        time_array([key[3] for key in ordered]),
        plain_array([sums[key] for key in ordered]),
        now,
        UpdateBehavior.DELTA.value,
        now,
        now,
        int_array(counters),
        uuid_array(ref_ids),
        plain_array(values),
        plain_array(rests),
        text_array(idempotency_keys),
        text_array(dimensions),
        time_array(moments),
        time_array(ends),
    ]
    with server_cursor() as cursor:
        cursor.execute(_COUNT_DELTAS_SQL, parameters)
        return {ordered[number - 1]: value for number, value in cursor.fetchall()}


def _measure(
    checked: Sequence[_Checked],
    windows: Sequence[UsagePeriod | None],
    fresh: Sequence[int],
    keys: Mapping[int, CounterKey],
    starts: Mapping[CounterKey, Decimal],
    ref_ids: Mapping[int, str],
    *,
    now: datetime,
) -> tuple[dict[int, Measured], dict[CounterKey, Decimal]]:
    """The fresh items applied in batch order from the counters' values ``starts`` (DELTA adds, SET replaces): each
    one's measurement, with the counter's value right after it, and the counters' final values."""
    values = dict(starts)
    created: dict[int, Measured] = {}
    replaces = UpdateBehavior.SET.value
    for index in fresh:
        item, key, window = checked[index], keys[index], windows[index]
        report = item.report
        values[key] = usage = report.value if report.update_behavior == replaces else values[key] + report.value
        # Positional: a thousand of these per batch, and keywords cost twice as much.
        created[index] = Measured(
            ref_ids[index],
            item.customer_ref_id,
            item.feature_ref_id,
            key[1],
            report.value,
            usage,
            report.created_at or now,
            now,
            key[3],
            window.end if window is not None else None,
        )
    return created, values


def _new_rows(checked: Sequence[_Checked], created: Mapping[int, Measured]) -> list[NewMeasurement]:
    return [
        NewMeasurement(
            measured,
            checked[index].customer_id,
            checked[index].feature_id,
            checked[index].report.update_behavior,
            checked[index].report.idempotency_key,
            checked[index].report.dimensions,
        )
        for index, measured in created.items()
    ]


def _count_batch(
    checked: Sequence[_Checked], windows: Sequence[UsagePeriod | None], *, now: datetime, look_up_keys: bool = True
) -> Callable[[], list[Measured]]:
    """Count a validated batch inside the caller's transaction with a fixed number of queries, whatever its size;
    returns how to assemble the answers (in the order of ``checked``), which the caller does after commit.

    1. Known idempotency keys: one query (skipped unless ``look_up_keys``: a stored key then fails the insert on
       the unique constraint); those items get their original measurement back and count nothing (so does a key
       repeated within the batch, after its first item).
    2. The counters the other items touch: created where missing and locked (``lock_counters``).
    3. Under the locks, the items are applied in order in Python (DELTA adds, SET replaces), so each measurement
       carries the counter's value right after it; the measurements go in with one ``INSERT`` and the counters
       with one ``UPDATE``. A batch of DELTAs only does 2 and 3 in one statement
       (``_count_deltas_in_one_statement``: the batch's sums added, the measurements inserted with their values computed
       by the database, the totals returned): everything else, the answers included, is done before or after the
       counters are locked, so concurrent batches on the same counters queue for as short a time as possible.

    A stored key not looked up, or a twin key committed by a concurrent batch after step 1, makes the insert fail on
    the unique constraint (after waiting for that batch): ``usage_report`` then runs the transaction again, and
    step 1 finds the key.
    """
    originals = (
        measurements_by_key(
            (item.customer_id, item.report.idempotency_key)
            for item in checked
            if item.report.idempotency_key is not None
        )
        if look_up_keys
        else {}
    )
    first_of_key: dict[tuple[int, str], int] = {}
    fresh: list[int] = []
    for index, item in enumerate(checked):
        key = item.report.idempotency_key
        if key is not None:
            pair = (item.customer_id, key)
            if pair in originals or pair in first_of_key:
                continue
            first_of_key[pair] = index
        fresh.append(index)
    keys = {index: _counter_key(checked[index], counter_period_start(windows[index])) for index in fresh}
    ref_ids = dict(zip(fresh, new_ref_ids(len(fresh)), strict=True))

    def in_order(created: Mapping[int, Measured]) -> list[Measured]:
        results = []
        for index, item in enumerate(checked):
            if index in created:
                results.append(created[index])
                continue
            pair = (item.customer_id, item.report.idempotency_key)
            # Not created here, so deduplicated: the report has an idempotency key (the pair is never (id, None)).
            results.append(originals[pair] if pair in originals else created[first_of_key[pair]])  # type: ignore[index]
        return results

    only_deltas = all(checked[index].report.update_behavior != UpdateBehavior.SET for index in fresh)
    if only_deltas and fresh:
        sums: dict[CounterKey, Decimal] = {}
        for index in fresh:
            sums[keys[index]] = sums.get(keys[index], ZERO) + checked[index].report.value
        totals = _count_deltas_in_one_statement(
            [checked[index] for index in fresh],
            [keys[index] for index in fresh],
            [ref_ids[index] for index in fresh],
            sums,
            [window.end if (window := windows[index]) is not None else None for index in fresh],
            now=now,
        )
        starts = {key: totals[key] - sums[key] for key in sums}
        return lambda: in_order(_measure(checked, windows, fresh, keys, starts, ref_ids, now=now)[0])
    counters = lock_counters(set(keys.values()), now=now) if fresh else {}
    created, values = _measure(
        checked, windows, fresh, keys, {key: counter.value for key, counter in counters.items()}, ref_ids, now=now
    )
    insert_measurements(_new_rows(checked, created))
    for counter_key, counter in counters.items():
        counter.value = values[counter_key]
    write_counters(list(counters.values()), now=now)
    results = in_order(created)
    return lambda: results


def usage_report(*, items: Sequence[UsageReport], now: datetime) -> list[Measured]:
    """Count a batch of usage reports (U1, V2); the measurements come back in the order of ``items``.

    The whole batch is validated first and nothing is written when any item is bad: an unknown customer, feature
    or resource (404), an archived customer, a feature that is not metered, a ``createdAt`` outside
    ``history.EARLIEST``..``history.LATEST`` or a negative SET (400), each naming ``usages[i].<field>``. Each item
    counts in the window of the customer's entitlement (as held ``now``) containing the item's time (``createdAt``,
    else ``now``): DELTA adds to the counter, SET replaces it. The batch
    is counted in one transaction with a fixed number of queries (``_count_batch``), its counters locked, so
    concurrent reports never lose or double count. Idempotency key: the client's ``idempotencyKey``, unique per
    customer; a duplicate returns the original measurement and counts nothing (also past 7 days, until
    ``usage_idempotency_keys_expire`` forgets the key). The customers' cached usage answers are invalidated (before
    the counters are locked, and again on commit).
    """
    checked = _validate(items)
    windows = _windows(checked, now=now)
    for attempt in range(1, COUNT_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                invalidate_usage(item.customer_ref_id for item in checked)
                # Optimistic first: most batches carry only new keys, and a key already stored fails the insert
                # (the whole statement, so nothing is counted) and sends the batch round again, looking keys up.
                look_up_keys = attempt > 1
                answers = _count_batch(checked, windows, now=now, look_up_keys=look_up_keys)
            return answers()
        except IntegrityError as error:
            # A key was stored already, or a concurrent batch committed it first: count again, finding it.
            if attempt == COUNT_ATTEMPTS or not is_unique_violation(error):
                raise
        except OperationalError as error:
            if attempt == COUNT_ATTEMPTS or not _is_deadlock(error):
                raise
    raise AssertionError("unreachable")


def usage_idempotency_keys_expire(*, now: datetime, batch_size: int = 1000) -> int:
    """Forget idempotency keys older than ``IDEMPOTENCY_WINDOW`` (the measurements stay), so a key may be used
    again. Batches of ``batch_size`` rows in primary-key order; returns how many keys were cleared."""
    cleared = 0
    stale = UsageMeasurement.objects.filter(idempotency_key__isnull=False, created_at__lt=now - IDEMPOTENCY_WINDOW)
    while True:
        ids = list(stale.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return cleared
        cleared += UsageMeasurement.objects.filter(pk__in=ids).update(idempotency_key=None)
