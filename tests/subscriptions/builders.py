"""Catalog and subscription setup for the lifecycle tests, through the services (never raw rows).

``catalog_for_subscriptions`` builds one product with the plans the tests use:

* ``plan-free``: FREE, the product's downgrade plan when a test asks for ``DOWNGRADE_TO_FREE``;
* ``plan-basic``: 10 usd a month, 100 a year; 9 eur a month in Germany (``DE``);
* ``plan-pro``: 30 usd a month plus 5 per seat (1 to 20 seats), 300 a year plus 50 per seat, a 14-day trial that
  converts to paid, compatible with ``addon-storage`` (4 a month, at most 3) and ``addon-support``;
* ``plan-trial-cancel``: 20 usd a month, a 1-month trial that cancels;
* ``plan-draft``: never published.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from catalog import enums
from catalog.models import Product
from catalog.services.coupons import coupon_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create
from catalog.services.products import product_create, product_update
from customers.models import Customer
from customers.services import customer_provision
from subscriptions.models import Subscription
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision

D = Decimal
CATALOG_AT = datetime(2020, 1, 1, tzinfo=UTC)
PRODUCT = "product-main"


def price(billing_period: str, amount: str, currency: str = "usd", country: str | None = None) -> dict[str, Any]:
    return {
        "billing_period": billing_period,
        "billing_country_code": country,
        "price": {"amount": D(amount), "currency": currency},
    }


def flat_fee(*periods: dict[str, Any]) -> dict[str, Any]:
    return {"billing_model": enums.BillingModel.FLAT_FEE, "price_periods": list(periods)}


def per_seat(*periods: dict[str, Any]) -> dict[str, Any]:
    return {
        "billing_model": enums.BillingModel.PER_UNIT,
        "feature_id": "feature-seats",
        "min_unit_quantity": 1,
        "max_unit_quantity": 20,
        "price_periods": list(periods),
    }


def package(
    kind: str, ref_id: str, *models: dict[str, Any], product: str = PRODUCT, status: str = "PUBLISHED", **fields: Any
) -> None:
    package_create(
        kind=kind,
        ref_id=ref_id,
        product_ref_id=product,
        display_name=ref_id.split("-", 1)[1].replace("-", " ").title(),
        charges={
            "pricing_type": enums.PricingType.PAID if models else enums.PricingType.FREE,
            "pricing_models": list(models),
        },
        status=status,
        now=CATALOG_AT,
        **fields,
    )


def catalog_for_subscriptions(*, multiple_subscriptions: bool = False) -> None:
    product_create(ref_id=PRODUCT, display_name="Main", multiple_subscriptions=multiple_subscriptions, now=CATALOG_AT)
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=CATALOG_AT)
    package("ADDON", "addon-storage", flat_fee(price("MONTHLY", "4"), price("ANNUALLY", "40")), max_quantity=3)
    package("ADDON", "addon-support", flat_fee(price("MONTHLY", "20")))
    package("ADDON", "addon-other", flat_fee(price("MONTHLY", "1")))
    package("PLAN", "plan-free")
    package(
        "PLAN",
        "plan-basic",
        flat_fee(price("MONTHLY", "10"), price("ANNUALLY", "100"), price("MONTHLY", "9", "eur", country="DE")),
    )
    package(
        "PLAN",
        "plan-pro",
        flat_fee(price("MONTHLY", "30"), price("ANNUALLY", "300")),
        per_seat(price("MONTHLY", "5"), price("ANNUALLY", "50")),
        default_trial_config={"duration": D(14), "units": enums.TrialUnits.DAY},
        compatible_addon_ref_ids=["addon-storage", "addon-support"],
    )
    package(
        "PLAN",
        "plan-trial-cancel",
        flat_fee(price("MONTHLY", "20")),
        default_trial_config={
            "duration": D(1),
            "units": enums.TrialUnits.MONTH,
            "trial_end_behavior": enums.TrialEndBehavior.CANCEL_SUBSCRIPTION,
        },
    )
    package("PLAN", "plan-draft", flat_fee(price("MONTHLY", "5")), status="DRAFT")
    coupon_create(ref_id="coupon-half", name="Half off", percent_off=D(50), duration_in_months=2, now=CATALOG_AT)


def set_end_setup(*, downgrade_to_free: bool, cancellation_time: str = "END_OF_BILLING_PERIOD") -> Product:
    product = Product.objects.get(ref_id=PRODUCT)
    settings = {
        "subscription_cancellation_time": cancellation_time,
        "subscription_end_setup": "DOWNGRADE_TO_FREE" if downgrade_to_free else "CANCEL_SUBSCRIPTION",
        "subscription_start_setup": "PLAN_SELECTION",
        "downgrade_plan_id": "plan-free" if downgrade_to_free else None,
    }
    return product_update(product=product, changes={"product_settings": settings}, now=CATALOG_AT)


def customer(ref_id: str = "customer-1") -> Customer:
    return customer_provision(ref_id=ref_id, name=ref_id.title(), now=CATALOG_AT)


def provision(
    plan: str, *, now: datetime, customer_ref_id: str = "customer-1", actor: str = "test", **fields: Any
) -> Subscription:
    request = ProvisionRequest(customer_ref_id=customer_ref_id, plan_ref_id=plan, **fields)
    return subscription_provision(request=request, now=now, actor=actor).subscription


def reload(subscription: Subscription) -> Subscription:
    return Subscription.objects.get(pk=subscription.pk)


def statuses(customer_ref_id: str = "customer-1") -> list[tuple[str, str, str | None]]:
    """(plan, status, cancel reason) of the customer's subscriptions, oldest first."""
    return list(
        Subscription.objects.filter(customer__ref_id=customer_ref_id)
        .order_by("pk")
        .values_list("plan__ref_id", "status", "cancel_reason")
    )
