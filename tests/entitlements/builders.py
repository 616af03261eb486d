"""A catalog with entitlements, customers and subscriptions for the entitlement tests, through the services.

``catalog_for_entitlements`` builds:

* features ``sso`` (BOOLEAN), ``seats`` (NUMBER), ``api-calls`` (NUMBER, INCREMENTAL), ``storage`` (NUMBER,
  FLUCTUATING), ``support-tier`` (ENUM: community, email, priority), ``site-analytics`` (BOOLEAN);
* product ``product-main`` (one subscription per customer) with
  ``plan-basic`` (FREE): seats 5, api-calls 1000 a month, support-tier community, storage 10;
  ``plan-pro`` (30 usd a month, 14-day trial, inherits plan-basic): seats 20, sso, support-tier email, compatible
  with ``addon-seats`` (seats +5 each, Increment) and ``addon-calls`` (api-calls 5000, Override);
  ``plan-enterprise`` (FREE, inherits plan-pro): seats unlimited, support-tier priority;
* product ``product-sites`` (a subscription per resource) with ``plan-site`` (FREE): site-analytics.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from catalog import enums
from catalog.services.entitlements import entitlements_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create, package_publish
from catalog.services.products import product_create
from customers.models import Customer
from customers.selectors import customer_get
from customers.services import customer_provision
from entitlements import services
from subscriptions.models import Subscription
from subscriptions.quote import TrialOverride
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision

CATALOG_AT = datetime(2024, 1, 1, tzinfo=UTC)
PRODUCT = "product-main"
SITES = "product-sites"
MONTHLY_30 = {
    "pricing_type": enums.PricingType.PAID,
    "pricing_models": [
        {
            "billing_model": enums.BillingModel.FLAT_FEE,
            "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": Decimal(30), "currency": "usd"}}],
        }
    ],
}
FREE = {"pricing_type": enums.PricingType.FREE, "pricing_models": []}


def feature(ref_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": enums.EntitlementType.FEATURE, "target_ref_id": ref_id, **fields}


def monthly(**fields: Any) -> dict[str, Any]:
    return {"reset_period": "MONTH", "reset_configuration": {"monthly": "SubscriptionStart"}, **fields}


def package(
    kind: str,
    ref_id: str,
    entitlements: Sequence[dict[str, Any]],
    *,
    product: str = PRODUCT,
    charges: dict[str, Any] = FREE,
    **fields: Any,
) -> None:
    version = package_create(
        kind=kind,
        ref_id=ref_id,
        product_ref_id=product,
        display_name=ref_id.split("-", 1)[1].title(),
        charges=charges,
        now=CATALOG_AT,
        **fields,
    )
    entitlements_create(package=version.package, items=list(entitlements), now=CATALOG_AT)
    package_publish(package=version.package, migration_type=enums.MigrationType.NEW_CUSTOMERS, now=CATALOG_AT)


def catalog_for_entitlements() -> None:
    product_create(ref_id=PRODUCT, display_name="Main", now=CATALOG_AT)
    product_create(ref_id=SITES, display_name="Sites", multiple_subscriptions=True, now=CATALOG_AT)
    feature_create(ref_id="sso", display_name="Single sign-on", feature_type="BOOLEAN", now=CATALOG_AT)
    feature_create(ref_id="seats", display_name="Seats", feature_type="NUMBER", now=CATALOG_AT)
    feature_create(
        ref_id="api-calls", display_name="API calls", feature_type="NUMBER", meter_type="INCREMENTAL", now=CATALOG_AT
    )
    feature_create(
        ref_id="storage", display_name="Storage", feature_type="NUMBER", meter_type="FLUCTUATING", now=CATALOG_AT
    )
    feature_create(
        ref_id="support-tier",
        display_name="Support tier",
        feature_type="ENUM",
        enum_configuration=[
            {"value": "community", "displayName": "Community"},
            {"value": "email", "displayName": "Email"},
            {"value": "priority", "displayName": "Priority"},
        ],
        now=CATALOG_AT,
    )
    feature_create(ref_id="site-analytics", display_name="Site analytics", feature_type="BOOLEAN", now=CATALOG_AT)
    package("ADDON", "addon-seats", [feature("seats", usage_limit=5)], max_quantity=10)
    package(
        "ADDON",
        "addon-calls",
        [feature("api-calls", behavior=enums.EntitlementBehavior.OVERRIDE, usage_limit=5000, **monthly())],
    )
    package(
        "PLAN",
        "plan-basic",
        [
            feature("seats", usage_limit=5),
            feature("api-calls", usage_limit=1000, **monthly()),
            feature("support-tier", enum_values=["community"]),
            feature("storage", usage_limit=10),
        ],
    )
    package(
        "PLAN",
        "plan-pro",
        [feature("seats", usage_limit=20), feature("sso"), feature("support-tier", enum_values=["email"])],
        charges=MONTHLY_30,
        parent_plan_ref_id="plan-basic",
        default_trial_config={"duration": Decimal(14), "units": enums.TrialUnits.DAY},
        compatible_addon_ref_ids=["addon-seats", "addon-calls"],
    )
    package(
        "PLAN",
        "plan-enterprise",
        [feature("seats", has_unlimited_usage=True), feature("support-tier", enum_values=["priority"])],
        parent_plan_ref_id="plan-pro",
    )
    package("PLAN", "plan-site", [feature("site-analytics")], product=SITES)


def customer(ref_id: str = "customer-1") -> Customer:
    return customer_provision(ref_id=ref_id, name=ref_id.title(), now=CATALOG_AT)


def provision(
    plan: str,
    *,
    now: datetime,
    customer_ref_id: str = "customer-1",
    trial: bool = False,
    addons: Sequence[tuple[str, int]] = (),
    resource_ref_id: str | None = None,
) -> Subscription:
    request = ProvisionRequest(
        customer_ref_id=customer_ref_id,
        plan_ref_id=plan,
        billing_period="MONTHLY" if plan == "plan-pro" else None,
        addons=addons,
        resource_ref_id=resource_ref_id,
        trial_override=TrialOverride(is_trial=trial, trial_end_date=None) if plan == "plan-pro" else None,
    )
    return subscription_provision(request=request, now=now, actor="test").subscription


# --- a customer holding much, for the query-count tests -------------------------------------------------------------

HOLDINGS_AT = datetime(2024, 2, 1, 12, tzinfo=UTC)


def grant_promotion(ref_id: str, *, at: datetime, customer_ref_id: str = "customer-1", **fields: Any) -> None:
    services.promotional_entitlements_grant(
        customer=customer_get(customer_ref_id),
        grants=[services.PromotionGrant(feature_ref_id=ref_id, **{"period": "1 month", **fields})],
        now=at,
        actor="test",
    )


def extra_product(index: int) -> None:
    """Another product with a two-level plan chain and an add-on, so a customer can hold one more subscription."""
    product = f"product-extra-{index}"
    product_create(ref_id=product, display_name=product, now=CATALOG_AT)
    package("ADDON", f"addon-extra-{index}", [feature("seats", usage_limit=1)], product=product)
    package("PLAN", f"plan-extra-{index}-base", [feature("storage", usage_limit=index)], product=product)
    package(
        "PLAN",
        f"plan-extra-{index}",
        [feature("sso"), feature("seats", usage_limit=index)],
        product=product,
        parent_plan_ref_id=f"plan-extra-{index}-base",
        compatible_addon_ref_ids=[f"addon-extra-{index}"],
    )


def holdings(customer_ref_id: str, *, products: int, promotions: list[str], at: datetime = HOLDINGS_AT) -> None:
    """A customer holding a site subscription, ``products`` of the ``extra_product`` plans with two add-ons each,
    and a promotion for each of ``promotions``, all since ``at``."""
    customer(customer_ref_id)
    provision("plan-site", now=at, customer_ref_id=customer_ref_id, resource_ref_id="site-1")
    for index in range(products):
        provision(f"plan-extra-{index}", now=at, customer_ref_id=customer_ref_id, addons=[(f"addon-extra-{index}", 2)])
    for ref_id in promotions:
        grant_promotion(ref_id, at=at, customer_ref_id=customer_ref_id, usage_limit=3)
