"""Coupons: a percentage or fixed amounts per currency, for some months or forever."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from catalog import enums
from catalog.errors import InvalidCatalogInput
from catalog.models import Coupon, CouponAmountOff
from catalog.services.common import create_unique
from config.ids import validate_external_id


def _validate_discount(percent_off: Decimal | None, amounts_off: Sequence[Mapping[str, Any]] | None) -> str:
    if (percent_off is None) == (not amounts_off):
        raise InvalidCatalogInput("give exactly one of percentOff and amountsOff", field="percentOff")
    if percent_off is not None:
        if not Decimal(0) < percent_off <= Decimal(100):
            raise InvalidCatalogInput("must be greater than 0 and at most 100", field="percentOff")
        if percent_off != percent_off.quantize(Decimal("0.01")):
            raise InvalidCatalogInput("may have at most two decimal places", field="percentOff")
        return enums.CouponType.PERCENTAGE
    currencies = set()
    for index, item in enumerate(amounts_off or []):
        if item["amount"] <= 0:
            raise InvalidCatalogInput("must be greater than 0", field=f"amountsOff[{index}].amount")
        if item["currency"] in currencies:
            raise InvalidCatalogInput("is listed twice", field=f"amountsOff[{index}].currency")
        currencies.add(item["currency"])
    return enums.CouponType.FIXED


@transaction.atomic
def coupon_create(
    *,
    ref_id: str,
    name: str,
    now: datetime,
    percent_off: Decimal | None = None,
    amounts_off: Sequence[Mapping[str, Any]] | None = None,
    description: str | None = None,
    duration_in_months: int | None = None,
    metadata: dict[str, str] | None = None,
) -> Coupon:
    """Create a coupon. 400 for a discount that is not exactly one of percent/amounts, 409 on a taken id."""
    validate_external_id(ref_id)
    coupon_type = _validate_discount(percent_off, amounts_off)
    if duration_in_months is not None and duration_in_months < 1:
        raise InvalidCatalogInput("must be at least 1, or null for forever", field="durationInMonths")
    coupon = create_unique(
        lambda: Coupon.objects.create(
            ref_id=ref_id,
            name=name,
            description=description,
            metadata=metadata or {},
            type=coupon_type,
            percent_off=percent_off,
            duration_in_months=duration_in_months,
            created_at=now,
            updated_at=now,
        ),
        label="Coupon",
        ref_id=ref_id,
    )
    CouponAmountOff.objects.bulk_create(
        CouponAmountOff(coupon=coupon, currency=item["currency"], amount=item["amount"]) for item in amounts_off or []
    )
    return coupon


@transaction.atomic
def coupon_update(*, coupon: Coupon, changes: Mapping[str, Any], now: datetime) -> Coupon:
    """Only the name, description and metadata change: a discount already promised stays as it was."""
    coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
    for name in {"name", "description", "metadata"} & set(changes):
        value = changes[name]
        setattr(coupon, name, {} if name == "metadata" and value is None else value)
    coupon.updated_at = now
    coupon.save()
    return coupon


@transaction.atomic
def coupon_archive(*, coupon: Coupon, now: datetime) -> Coupon:
    """Archived coupons can no longer be applied. Idempotent."""
    coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
    if coupon.status != enums.CouponStatus.ARCHIVED:
        coupon.status = enums.CouponStatus.ARCHIVED
        coupon.updated_at = now
        coupon.save(update_fields=["status", "updated_at"])
    return coupon
