"""An update to a subscription as a request (contract ``UpdateInput`` in service terms), the kinds of billing change
it names, and the stored form of a deferred kind (a ``SubscriptionScheduledUpdate``'s payload, JSON with decimals as
strings). ``services.changes`` works out what a request does."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from subscriptions.enums import ScheduleType
from subscriptions.quote import QuoteInput
from subscriptions.services.custom_entitlements import CustomEntitlementInput


class Unchanged(Enum):
    """The value of an ``UpdateRequest`` field the request does not mention (``None`` means "clear it")."""

    UNCHANGED = "UNCHANGED"


UNCHANGED = Unchanged.UNCHANGED


@dataclass(frozen=True)
class UpdateRequest:
    """An update (contract ``UpdateInput``) in service terms. Fields left ``UNCHANGED`` are not touched."""

    metadata: Mapping[str, str] | Unchanged = UNCHANGED
    cancellation_date: datetime | Unchanged | None = UNCHANGED
    trial_end_date: datetime | Unchanged = UNCHANGED
    unit_quantity: int | Unchanged | None = UNCHANGED
    feature_quantities: Mapping[str, Decimal] | Unchanged = UNCHANGED  # featureId → quantity
    addons: Sequence[tuple[str, int]] | Unchanged = UNCHANGED  # addonId, quantity
    coupon_ref_id: str | Unchanged | None = UNCHANGED
    coupon_start_date: datetime | None = None
    billing_period: str | Unchanged = UNCHANGED
    tax_percentage: Decimal | Unchanged | None = UNCHANGED
    migrate_to_latest: bool = False
    schedule_strategy: str | None = None
    entitlements: Sequence[CustomEntitlementInput] | Unchanged = UNCHANGED  # replaces the custom entitlements


# Each kind of billing change, as its ScheduleType when deferred, with the request fields that make it.
GROUP_FIELDS: Mapping[str, tuple[str, ...]] = {
    ScheduleType.UNIT_AMOUNT: ("unit_quantity", "feature_quantities"),
    ScheduleType.ADDON: ("addons",),
    ScheduleType.COUPON: ("coupon_ref_id",),
    ScheduleType.BILLING_PERIOD: ("billing_period",),
    ScheduleType.BILLING_INFO_METADATA: ("tax_percentage",),
    ScheduleType.MIGRATE_TO_LATEST: ("migrate_to_latest",),
}


def given_groups(request: UpdateRequest) -> tuple[str, ...]:
    """The kinds of billing change the request names (whether or not they change anything)."""
    return tuple(
        group for group, names in GROUP_FIELDS.items() if any(_is_given(getattr(request, name)) for name in names)
    )


def _is_given(value: object) -> bool:
    # Identity, not equality: a quantity of 0 is given, ``migrate_to_latest=False`` is not.
    return value is not UNCHANGED and value is not False


# --- scheduled payloads: a deferred kind of change, stored as JSON (decimals as strings) ---------------------------


def payload_of(group: str, request: UpdateRequest, quote: QuoteInput) -> dict[str, Any]:
    """The stored form of one kind of deferred change: its fields' values in the target ``quote``."""
    if group == ScheduleType.UNIT_AMOUNT:
        return {
            "unit_quantity": quote.unit_quantity,
            "feature_quantities": {ref_id: str(quantity) for ref_id, quantity in quote.feature_quantities.items()},
        }
    if group == ScheduleType.ADDON:
        return {"addons": [[version.package.ref_id, quantity] for version, quantity in quote.addons]}
    if group == ScheduleType.COUPON:
        start = request.coupon_start_date
        return {
            "coupon_ref_id": quote.coupon.ref_id if quote.coupon is not None else None,
            "coupon_start_date": start.isoformat() if start is not None else None,
        }
    if group == ScheduleType.BILLING_PERIOD:
        return {"billing_period": quote.billing_period}
    if group == ScheduleType.BILLING_INFO_METADATA:
        tax = quote.tax_percentage
        return {"tax_percentage": str(tax) if tax is not None else None}
    if group == ScheduleType.MIGRATE_TO_LATEST:
        return {"migrate_to_latest": True}
    raise ValueError(f"no payload for schedule type {group}")


def request_from_payloads(payloads: Sequence[Mapping[str, Any]]) -> UpdateRequest:
    """The update that stored payloads make together (later payloads win for a field)."""
    merged: dict[str, Any] = {}
    for payload in payloads:
        merged.update(payload)
    fields: dict[str, Any] = {}
    for name, value in merged.items():
        if name == "feature_quantities":
            value = {ref_id: Decimal(quantity) for ref_id, quantity in value.items()}
        elif name == "addons":
            value = [(ref_id, quantity) for ref_id, quantity in value]
        elif name == "tax_percentage" and value is not None:
            value = Decimal(value)
        elif name == "coupon_start_date" and value is not None:
            value = datetime.fromisoformat(value)
        fields[name] = value
    return UpdateRequest(**fields)
