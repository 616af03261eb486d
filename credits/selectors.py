"""Credit reads: grants, the ledger, wallets as a check sees them, credit usage series, auto-recharge."""

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour

from catalog.models import CustomCurrency
from config.errors import InvalidInput
from credits import errors
from credits.enums import GrantStatus, TimeRange
from credits.models import AutoRechargeSettings, CreditBalance, CreditConsumption, CreditGrant, LedgerEntry
from credits.wallets import ZERO, WalletTotals, grant_counts, wallet_totals
from customers.models import Customer


def wallet_customer_get(ref_id: str, *, field: str = "customerId") -> Customer:
    """The active customer with this id, whose wallets are read or written; 404 ``CUSTOMER_NOT_FOUND`` naming
    ``field`` for an unknown or archived one. One query."""
    customer = Customer.objects.filter(ref_id=ref_id, archived_at__isnull=True).first()
    if customer is None:
        raise errors.CreditCustomerNotFound(f"no customer {ref_id}", field=field)
    return customer


def grant_status(grant: CreditGrant, *, now: datetime) -> GrantStatus:
    """The wire status at ``now`` (time decides, whatever the sweeper has written yet)."""
    if grant.voided_at is not None:
        return GrantStatus.VOIDED
    if grant.expired_at is not None or (grant.expire_at is not None and grant.expire_at <= now):
        return GrantStatus.EXPIRED
    if grant.awaiting_payment:
        return GrantStatus.PAYMENT_PENDING
    if grant.effective_at > now:
        return GrantStatus.SCHEDULED
    return GrantStatus.ACTIVE


def grant_get(ref_id: str) -> CreditGrant:
    """The grant with this id (a UUID); 404 ``CREDIT_GRANT_NOT_FOUND`` otherwise. One query."""
    try:
        uuid.UUID(ref_id)
    except ValueError:
        raise errors.CreditGrantNotFound(f"no credit grant {ref_id}") from None
    grant = CreditGrant.objects.select_related("balance__customer", "balance__currency").filter(ref_id=ref_id).first()
    if grant is None:
        raise errors.CreditGrantNotFound(f"no credit grant {ref_id}")
    return grant


def _wallet_filter(prefix: str, *, customer: Customer, currency: CustomCurrency | None, resource: str | None) -> Q:
    query = Q(**{f"{prefix}customer": customer})
    if currency is not None:
        query &= Q(**{f"{prefix}currency": currency})
    if resource is not None:
        query &= Q(**{f"{prefix}resource_key": resource})
    return query


def grant_list(
    *,
    customer: Customer,
    currency: CustomCurrency | None = None,
    resource_ref_id: str | None = None,
    created_at: dict | None = None,
) -> QuerySet[CreditGrant]:
    """A customer's grants (G2), optionally of one currency and resource; one query per page."""
    return (
        CreditGrant.objects.select_related("balance__customer", "balance__currency", "invoice")
        .filter(_wallet_filter("balance__", customer=customer, currency=currency, resource=resource_ref_id))
        .filter(**(created_at or {}))
    )


def ledger_list(
    *,
    customer: Customer,
    currency: CustomCurrency | None = None,
    resource_ref_id: str | None = None,
    event_types: Iterable[str] = (),
) -> QuerySet[LedgerEntry]:
    """A customer's ledger entries (L1), oldest first; one query per page."""
    queryset = LedgerEntry.objects.select_related(
        "balance__customer", "balance__currency", "grant", "consumption"
    ).filter(_wallet_filter("balance__", customer=customer, currency=currency, resource=resource_ref_id))
    event_types = list(event_types)
    if event_types:
        queryset = queryset.filter(event_type__in=event_types)
    return queryset


@dataclass(frozen=True)
class WalletView:
    """A wallet as a check reads it: the totals at ``now`` (``wallet_totals``), when they last changed, and the
    next moment time alone changes them (a grant starting or expiring)."""

    totals: WalletTotals
    updated_at: datetime | None
    changes_at: datetime | None


def wallet_view(
    *, customer_ref_id: str, currency_ref_id: str, resource_ref_id: str | None, now: datetime
) -> WalletView:
    """The wallet in the active currency with this id (empty when there is none). Two queries: the wallet's row
    and its open grants."""
    balance = CreditBalance.objects.filter(
        customer__ref_id=customer_ref_id,
        currency__ref_id=currency_ref_id,
        currency__archived_at__isnull=True,
        resource_key=resource_ref_id or "",
    ).first()
    if balance is None:
        return WalletView(totals=WalletTotals(ZERO, ZERO), updated_at=None, changes_at=None)
    grants = list(CreditGrant.objects.filter(balance=balance, voided_at__isnull=True, expired_at__isnull=True))
    return _wallet_view_of(balance, grants, now=now)


def _wallet_view_of(balance: CreditBalance, open_grants: list[CreditGrant], *, now: datetime) -> WalletView:
    """The view of a wallet from its grants that are neither voided nor expired."""
    moments = [grant.effective_at for grant in open_grants if grant.effective_at > now] + [
        grant.expire_at
        for grant in open_grants
        if grant.expire_at is not None and grant.expire_at > now and grant_counts(grant, now=now)
    ]
    return WalletView(
        totals=wallet_totals(open_grants, now=now),
        updated_at=balance.updated_at,
        changes_at=min(moments) if moments else None,
    )


def wallet_list(
    *, customer: Customer, currency: CustomCurrency | None, resource_ref_id: str | None, now: datetime
) -> list[tuple[CreditBalance, WalletView]]:
    """The customer's wallets in active currencies (of one currency, of one resource, or all of them: ``None``),
    each with its view at ``now``, by currency id then resource (the customer level first). Two queries, however
    many wallets: their rows and their open grants."""
    balances = list(
        CreditBalance.objects.filter(
            _wallet_filter("", customer=customer, currency=currency, resource=resource_ref_id),
            currency__archived_at__isnull=True,
        ).select_related("customer", "currency")
    )
    grants: dict[int, list[CreditGrant]] = defaultdict(list)
    open_grants = CreditGrant.objects.filter(balance__in=balances, voided_at__isnull=True, expired_at__isnull=True)
    for grant in open_grants:
        grants[grant.balance_id].append(grant)
    return [
        (balance, _wallet_view_of(balance, grants[balance.pk], now=now))
        for balance in sorted(balances, key=lambda balance: (balance.currency.ref_id, balance.resource_key))
    ]


def customer_wallets(
    *, customer_ref_id: str, resource_ref_id: str | None, now: datetime
) -> list[tuple[CustomCurrency, WalletView]]:
    """Every wallet of the customer (at the resource, or the customer level), by currency id: C8's credits."""
    balances = CreditBalance.objects.filter(
        customer__ref_id=customer_ref_id, resource_key=resource_ref_id or "", currency__archived_at__isnull=True
    ).select_related("currency")
    return [
        (
            balance.currency,
            wallet_view(
                customer_ref_id=customer_ref_id,
                currency_ref_id=balance.currency.ref_id,
                resource_ref_id=resource_ref_id,
                now=now,
            ),
        )
        for balance in sorted(balances, key=lambda balance: balance.currency.ref_id)
    ]


def wallet_ids_due(*, now: datetime) -> list[int]:
    """Wallets with a scheduled grant whose time came or an activated grant whose expiry passed."""
    due = CreditGrant.objects.filter(voided_at__isnull=True, expired_at__isnull=True, awaiting_payment=False).filter(
        Q(activated_at__isnull=True, effective_at__lte=now) | Q(activated_at__isnull=False, expire_at__lte=now)
    )
    return sorted(set(due.values_list("balance_id", flat=True)))


def auto_recharge_get(*, customer: Customer, currency: CustomCurrency) -> AutoRechargeSettings | None:
    return AutoRechargeSettings.objects.filter(customer=customer, currency=currency).first()


# --- credit usage (CU1) -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsagePoint:
    timestamp: datetime
    value: Decimal
    event_count: int


@dataclass(frozen=True)
class UsageSeries:
    feature_ref_id: str | None
    tags: tuple[tuple[str, str], ...]
    points: tuple[UsagePoint, ...]

    @property
    def total(self) -> Decimal:
        return sum((point.value for point in self.points), ZERO)

    @property
    def event_count(self) -> int:
        return sum(point.event_count for point in self.points)


USAGE_TIME_RANGES = {
    TimeRange.LAST_DAY: timedelta(days=1),
    TimeRange.LAST_WEEK: timedelta(days=7),
    TimeRange.LAST_MONTH: timedelta(days=30),
    TimeRange.LAST_YEAR: timedelta(days=365),
}
USAGE_GROUP_KEY = re.compile(r"^[a-zA-Z0-9_$-]+$")
USAGE_MAX_GROUP_KEYS = 3
# Ranges up to this long are bucketed by hour, longer ones by day.
USAGE_HOURLY_UP_TO = timedelta(days=2)


def credit_usage_report(
    *,
    customer: Customer,
    currency: CustomCurrency | None,
    resource_ref_id: str | None,
    start: datetime | None,
    end: datetime | None,
    time_range: str | None,
    group_by: list[str],
    now: datetime,
) -> list[UsageSeries]:
    """CU1 as a client asks it: ``end`` defaults to ``now``; ``start`` wins over ``time_range`` (default
    ``LAST_MONTH``, the window ending at ``end``) and must be before ``end``; ``group_by`` holds up to
    ``USAGE_MAX_GROUP_KEYS`` dimension keys matching ``USAGE_GROUP_KEY``, plus ``featureId``. 400 naming
    ``endDate``, ``startDate`` or ``groupBy`` otherwise. One query (``credit_usage``)."""
    end = end or now
    if start is None:
        chosen = TimeRange(time_range or TimeRange.LAST_MONTH)
        try:
            start = end - USAGE_TIME_RANGES[chosen]
        except OverflowError as error:
            raise InvalidInput(f"leaves no room for timeRange {chosen} before it", field="endDate") from error
    if start >= end:
        raise InvalidInput("must be before endDate", field="startDate")
    keys = [key for key in group_by if key != "featureId"]
    if len(keys) > USAGE_MAX_GROUP_KEYS or any(not USAGE_GROUP_KEY.match(key) for key in group_by):
        raise InvalidInput(
            f"at most {USAGE_MAX_GROUP_KEYS} dimension keys matching {USAGE_GROUP_KEY.pattern}, plus featureId",
            field="groupBy",
        )
    return credit_usage(
        customer=customer,
        currency=currency,
        resource_ref_id=resource_ref_id,
        start=start,
        end=end,
        group_by=group_by,
        hourly=end - start <= USAGE_HOURLY_UP_TO,
    )


def credit_usage(
    *,
    customer: Customer,
    currency: CustomCurrency | None,
    resource_ref_id: str | None,
    start: datetime,
    end: datetime,
    group_by: list[str],
    hourly: bool,
) -> list[UsageSeries]:
    """Credits consumed between ``start`` and ``end``, one series per feature (or per ``group_by`` dimension
    values), bucketed by day (by hour for short ranges). Consumptions without a feature share one series."""
    queryset = CreditConsumption.objects.filter(customer=customer, timestamp__gte=start, timestamp__lt=end)
    if currency is not None:
        queryset = queryset.filter(balance__currency=currency)
    if resource_ref_id is not None:
        queryset = queryset.filter(balance__resource_key=resource_ref_id)
    bucket = TruncHour("timestamp") if hourly else TruncDay("timestamp")
    dimension_keys = [key for key in group_by if key != "featureId"]
    series: dict[tuple, dict[datetime, list]] = {}
    rows = queryset.annotate(bucket=bucket).values("bucket", "feature_ref_id", "dimensions", "amount")
    for row in rows:
        tags = tuple((key, str(row["dimensions"].get(key, ""))) for key in dimension_keys)
        feature = row["feature_ref_id"] if (not dimension_keys or "featureId" in group_by) else None
        points = series.setdefault((feature, tags), {})
        point = points.setdefault(row["bucket"], [ZERO, 0])
        point[0] += row["amount"]
        point[1] += 1
    return [
        UsageSeries(
            feature_ref_id=feature,
            tags=tags,
            points=tuple(
                UsagePoint(timestamp=moment, value=value, event_count=count)
                for moment, (value, count) in sorted(points.items())
            ),
        )
        for (feature, tags), points in sorted(series.items(), key=lambda item: series_order_of(*item[0]))
    ]


def series_order_of(
    feature_ref_id: str | None, tags: tuple[tuple[str, str], ...]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The order ``credit_usage`` returns series in (and CU1 pages them by)."""
    return (feature_ref_id or "", tags)


def series_order(series: UsageSeries) -> tuple[str, tuple[tuple[str, str], ...]]:
    return series_order_of(series.feature_ref_id, series.tags)


def ledger_sum(balance: CreditBalance) -> Decimal:
    """The ledger's sum for one wallet (tests and the admin compare it with the cached balance)."""
    return sum(LedgerEntry.objects.filter(balance=balance).values_list("amount", flat=True), ZERO)
