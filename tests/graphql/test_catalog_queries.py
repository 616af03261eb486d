"""The catalog's operations cost a fixed number of queries, whatever the number of plans or products they return:
the SDKs' own documents (deep fragments: plans with entitlements, inherited ones, prices, add-ons and their
dependencies) with 3 and with 30 of them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.selectors import product_get
from catalog.services.coupons import coupon_create
from catalog.services.packages import package_create
from catalog.services.products import product_create, product_update
from config.graphql import sdk_documents
from tests.graphql.catalog_builders import PLAN, T0, addon, entitle, features_and_currency, flat_fee, publish
from tests.sdk import install

pytestmark = pytest.mark.django_db

DOCUMENTS = sdk_documents.python_documents(install.python_sdk_site_packages())
Poster = Callable[..., tuple[int, dict[str, Any]]]


def add_plans(first: int, last: int) -> None:
    """Plans ``plan-<first>`` .. ``plan-<last - 1>`` of product-main, each based on plan-0 (but plan-0), with feature
    and credit entitlements, a flat and a tiered price, and both add-ons."""
    for index in range(first, last):
        ref_id = f"plan-{index}"
        package_create(
            kind=PLAN,
            ref_id=ref_id,
            product_ref_id="product-main",
            display_name=f"Plan {index}",
            parent_plan_ref_id="plan-0" if index else None,
            compatible_addon_ref_ids=["addon-storage", "addon-extra"],
            charges={
                "pricing_type": "PAID",
                "pricing_models": [
                    {"billing_model": "FLAT_FEE", "price_periods": [flat_fee(str(index + 1))]},
                    {
                        "billing_model": "PER_UNIT",
                        "feature_id": "feature-seats",
                        "tiers_mode": "VOLUME",
                        "price_periods": [
                            {
                                "billing_period": "MONTHLY",
                                "tiers": [{"up_to": Decimal(5), "unit_price": {"amount": Decimal("2")}}],
                            }
                        ],
                    },
                ],
            },
            now=T0,
        )
        entitle(
            PLAN,
            ref_id,
            [
                {"type": "FEATURE", "target_ref_id": "feature-seats", "usage_limit": index + 1},
                {"type": "CREDIT", "target_ref_id": "credits", "amount": Decimal(10), "cadence": "MONTH"},
            ]
            + ([{"type": "FEATURE", "target_ref_id": "feature-sso"}] if index == 0 else []),
        )
        publish(PLAN, ref_id)


def base_catalog() -> None:
    product_create(ref_id="product-main", display_name="Main", now=T0)
    features_and_currency()
    addon("addon-storage")
    addon("addon-extra", dependency_ref_ids=["addon-storage"])


def count_queries(graphql: Poster, operation: str, variables: dict[str, Any] | None = None) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(DOCUMENTS[operation], variables)
    assert status == 200 and "errors" not in body, body
    return len(queries), body["data"]


@pytest.mark.parametrize(
    ("operation", "variables"),
    [("GetPaywall", {"input": {"productId": "product-main"}}), ("GetMockPaywall", {"input": {}})],
)
def test_a_paywall_costs_the_same_queries_for_3_and_30_plans(
    graphql: Poster, operation: str, variables: dict[str, Any]
) -> None:
    base_catalog()
    add_plans(0, 3)
    with_3, _ = count_queries(graphql, operation, variables)
    add_plans(3, 30)
    with_30, data_30 = count_queries(graphql, operation, variables)

    plans = next(iter(data_30.values()))["plans"]
    assert len(plans) == 30 and len(plans[29]["compatibleAddons"]) == 2
    assert with_3 == with_30


def test_products_cost_the_same_queries_for_3_and_30_products(graphql: Poster) -> None:
    features_and_currency()

    def add_products(first: int, last: int) -> None:
        for index in range(first, last):
            ref_id = f"product-{index}"
            product_create(ref_id=ref_id, display_name=f"Product {index}", now=T0)
            package_create(
                kind=PLAN,
                ref_id=f"free-{index}",
                product_ref_id=ref_id,
                display_name="Free",
                status="PUBLISHED",
                now=T0,
            )
            product_update(
                product=product_get(ref_id),
                changes={"product_settings": {"downgrade_plan_id": f"free-{index}"}},
                now=T0,
            )

    add_products(0, 3)
    with_3, _ = count_queries(graphql, "GetProducts")
    add_products(3, 30)
    with_30, data = count_queries(graphql, "GetProducts")

    assert len(data["products"]["edges"]) == 20  # the SDK asks for the first 20
    assert data["products"]["edges"][19]["node"]["productSettings"]["downgradePlan"] == {
        "refId": "free-19",
        "displayName": "Free",
    }
    assert with_3 == with_30


def test_coupons_cost_the_same_queries_for_3_and_20_coupons(graphql: Poster) -> None:
    def add_coupons(first: int, last: int) -> None:
        for index in range(first, last):
            coupon_create(
                ref_id=f"coupon-{index}",
                name=f"Coupon {index}",
                amounts_off=[{"amount": Decimal(index + 1), "currency": "usd"}],
                now=T0,
            )

    add_coupons(0, 3)
    with_3, _ = count_queries(graphql, "GetCoupons")
    add_coupons(3, 20)
    with_20, data = count_queries(graphql, "GetCoupons")

    assert len(data["coupons"]["edges"]) == 20
    assert data["coupons"]["edges"][19]["node"]["amountsOff"] == [{"amount": 20.0, "currency": "USD"}]
    assert with_3 == with_20
