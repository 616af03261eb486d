"""``paywall`` (GetPaywall) and ``mockPaywall`` (GetMockPaywall) through both SDKs: plans with their entitlements
(own and inherited), prices (flat, per unit with tiers, usage based, overage) localized by country, and add-ons."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graphql.catalog_builders import build_catalog
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

GET_PAYWALL = "result = client.get_paywall(generated.GetPaywallInput(**input))"
SEATS = {
    "featureType": "NUMBER",
    "meterType": "None",
    "featureUnits": "seat",
    "featureUnitsPlural": "seats",
    "displayName": "Seats",
    "description": None,
    "refId": "feature-seats",
    "additionalMetaData": {"group": "team"},
}
SEATS_OF_PRICE = {
    key: SEATS[key] for key in ("refId", "featureUnits", "featureUnitsPlural", "displayName", "description")
}
CALLS_OF_PRICE = {
    "refId": "feature-calls",
    "featureUnits": None,
    "featureUnitsPlural": None,
    "displayName": "Calls",
    "description": None,
}


def price(**fields: Any) -> dict[str, Any]:
    """A ``PriceFragment`` answer: its fields with these values, the rest null (a RECURRING price)."""
    body: dict[str, Any] = dict.fromkeys(
        [
            "billingId",
            "minUnitQuantity",
            "maxUnitQuantity",
            "billingCountryCode",
            "price",
            "creditRate",
            "tiersMode",
            "tiers",
            "feature",
            "blockSize",
            "topUpCustomCurrencyId",
            "customCurrency",
        ]
    )
    return {**body, "billingCadence": "RECURRING", **fields}


def flat(amount: float, currency: str = "USD", country: str | None = None) -> dict[str, Any]:
    return price(
        billingModel="FLAT_FEE",
        billingPeriod="MONTHLY",
        billingCountryCode=country,
        price={"amount": amount, "currency": currency},
    )


SEAT_TIERS = price(
    billingModel="PER_UNIT",
    billingPeriod="ANNUALLY",
    minUnitQuantity=1.0,
    maxUnitQuantity=20.0,
    tiersMode="GRADUATED",
    tiers=[
        {"upTo": 10.0, "unitPrice": {"amount": 5.0, "currency": "USD"}, "flatPrice": None},
        {
            "upTo": None,
            "unitPrice": {"amount": 4.0, "currency": "USD"},
            "flatPrice": {"amount": 1.0, "currency": "USD"},
        },
    ],
    feature=SEATS_OF_PRICE,
)
CALLS_USAGE = price(
    billingModel="USAGE_BASED",
    billingPeriod="MONTHLY",
    price={"amount": 0.0004, "currency": "USD"},
    feature=CALLS_OF_PRICE,
    blockSize=100.0,
)


def plans_by_ref_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {plan["refId"]: plan for plan in result["paywall"]["plans"]}


def test_python_sdk_paywall_shows_plans_in_order_with_entitlements_prices_and_addons(python_sdk: PythonSdk) -> None:
    build_catalog()
    result = python_sdk.run(GET_PAYWALL, {"productId": "product-main"})

    paywall = result["paywall"]
    assert [plan["refId"] for plan in paywall["plans"]] == ["plan-free", "plan-pro"]
    assert {key: paywall[key] for key in paywall if key != "plans"} == {
        "currency": {"code": "USD", "symbol": "$"},
        "configuration": None,
        "customer": None,
        "activeSubscriptions": None,
        "resource": None,
        "paywallCalculatedPricePoints": None,
    }
    pro = plans_by_ref_id(result)["plan-pro"]
    assert {key: pro[key] for key in ("displayName", "description", "billingId", "versionNumber", "pricingType")} == {
        "displayName": "Pro",
        "description": "Everything",
        "billingId": "billing-pro",
        "versionNumber": 1,
        "pricingType": "PAID",
    }
    assert (pro["additionalMetaData"], pro["hiddenFromWidgets"], pro["basePlan"]) == (
        {"tier": "2"},
        [],
        {"refId": "plan-free", "displayName": "Free"},
    )
    assert pro["product"] == {
        "refId": "product-main",
        "displayName": "Main",
        "description": "The product",
        "additionalMetaData": {"k": "v"},
        "awsMarketplaceProductId": None,
        "productSettings": {"downgradePlan": {"refId": "plan-free", "displayName": "Free"}},
    }
    assert pro["defaultTrialConfig"] == {
        "duration": 14.0,
        "units": "DAY",
        "budget": {"limit": 25.5},
        "trialEndBehavior": "CANCEL_SUBSCRIPTION",
    }
    # Its own entitlements (seats overrides the free plan's 2); SSO is inherited from the free plan.
    assert pro["entitlements"][0] == {
        "usageLimit": 10.0,
        "hasUnlimitedUsage": False,
        "hasSoftLimit": True,
        "featureId": "feature-seats",
        "resetPeriod": None,
        "hiddenFromWidgets": ["CUSTOMER_PORTAL"],
        "isCustom": False,
        "displayNameOverride": "Team seats",
        "enumValues": None,
        "isGranted": True,
        "feature": SEATS,
    }
    assert [(item["featureId"], item["usageLimit"], item["resetPeriod"]) for item in pro["entitlements"]] == [
        ("feature-seats", 10.0, None),
        ("feature-calls", 1000.0, "MONTH"),
    ]
    assert pro["entitlements"][1]["feature"]["meterType"] == "Incremental"
    assert [item["featureId"] for item in pro["inheritedEntitlements"]] == ["feature-sso"]
    assert [
        (item["__typename"], item.get("featureId") or item["customCurrencyId"]) for item in pro["packageEntitlements"]
    ] == [
        ("PackageFeatureEntitlement", "feature-seats"),
        ("PackageFeatureEntitlement", "feature-calls"),
        ("PackageCreditEntitlement", "credits"),
    ]
    credit = pro["packageEntitlements"][2]
    assert {key: credit[key] for key in credit if key not in ("id", "dependencyFeature")} == {
        "__typename": "PackageCreditEntitlement",
        "amount": 250.5,
        "behavior": "Increment",
        "cadence": "MONTH",
        "customCurrencyId": "credits",
        "description": None,
        "displayNameOverride": None,
        "hasSoftLimit": False,
        "hiddenFromWidgets": [],
        "isCustom": False,
        "isGranted": True,
        "order": 4.0,
        "customCurrency": {
            "currencyId": "credits",
            "displayName": "Credits",
            "symbol": "¢",
            "units": {"singular": "credit", "plural": "credits"},
        },
    }
    assert credit["dependencyFeature"]["refId"] == "feature-seats"
    assert [item["featureId"] for item in pro["inheritedPackageEntitlements"]] == ["feature-sso"]
    # Prices: without a country, the default flat fee; tiers per seat; a usage price; the overage price apart.
    assert pro["prices"] == [flat(20.0), SEAT_TIERS, CALLS_USAGE]
    assert pro["overagePrices"] == [
        {
            "billingModel": "USAGE_BASED",
            "billingPeriod": "MONTHLY",
            "billingId": None,
            "billingCountryCode": None,
            "price": {"amount": 0.01, "currency": "USD"},
            "tiersMode": None,
            "tiers": None,
            "feature": {**CALLS_OF_PRICE},
        }
    ]
    addons = {addon["refId"]: addon for addon in pro["compatibleAddons"]}
    assert [addon["refId"] for addon in pro["compatibleAddons"]] == ["addon-extra", "addon-storage"]
    assert {
        key: addons["addon-extra"][key] for key in ("displayName", "description", "maxQuantity", "pricingType")
    } == {
        "displayName": "Extra",
        "description": "The addon-extra add-on",
        "maxQuantity": None,
        "pricingType": "PAID",
    }
    assert addons["addon-extra"]["prices"] == [flat(7.0)]
    assert [(item["featureId"], item["usageLimit"]) for item in addons["addon-extra"]["entitlements"]] == [
        ("feature-seats", 5.0)
    ]
    assert [dependency["refId"] for dependency in addons["addon-extra"]["dependencies"]] == ["addon-storage"]
    assert addons["addon-storage"]["dependencies"] == []
    assert plans_by_ref_id(result)["plan-free"]["basePlan"] is None


def test_python_sdk_paywall_localizes_prices_by_country_or_shows_them_all(python_sdk: PythonSdk) -> None:
    build_catalog()
    german = python_sdk.run(GET_PAYWALL, {"productId": "product-main", "billingCountryCode": "de"})
    every_country = python_sdk.run(GET_PAYWALL, {"productId": "product-main", "fetchAllCountriesPrices": True})

    assert plans_by_ref_id(german)["plan-pro"]["prices"] == [flat(17.0, "EUR", "DE"), SEAT_TIERS, CALLS_USAGE]
    assert german["paywall"]["currency"] == {"code": "EUR", "symbol": "€"}
    assert plans_by_ref_id(every_country)["plan-pro"]["prices"] == [
        flat(20.0),
        flat(17.0, "EUR", "DE"),
        SEAT_TIERS,
        CALLS_USAGE,
    ]


def test_python_sdk_paywall_of_an_unknown_product_or_customer_is_a_coded_error(python_sdk: PythonSdk) -> None:
    build_catalog()
    assert python_sdk.error(GET_PAYWALL, {"productId": "product-nope"}) == {
        "message": "Product product-nope not found",
        "code": "PRODUCT_NOT_FOUND",
    }
    assert python_sdk.error(GET_PAYWALL, {"productId": "product-main", "customerId": "customer-nope"}) == {
        "message": "customerId: Customer customer-nope not found",
        "code": "CUSTOMER_NOT_FOUND",
    }


def test_node_sdk_get_paywall_maps_plans_prices_and_addons(node_sdk: NodeSdk) -> None:
    build_catalog()
    result = node_sdk.run(
        """
        const everything = await stigg.getPaywall({});
        const german = await stigg.getPaywall({ productId: 'product-main', billingCountryCode: 'DE' });
        const pro = german.plans[1];
        return {
          everything: everything.plans.map((plan) => [plan.id, plan.order]),
          currency: german.currency,
          pro: {
            basePlan: pro.basePlan,
            product: pro.product,
            entitlements: pro.entitlements.map((item) => [item.feature.id, item.usageLimit, item.feature.isMetered]),
            inherited: pro.inheritedEntitlements.map((item) => item.feature.id),
            pricePoints: pro.pricePoints.map((point) => [
              point.pricingModel, point.billingPeriod, point.amount, point.currency,
              point.feature ? point.feature.featureId : null,
            ]),
            addons: pro.compatibleAddons.map((addon) => [addon.id, addon.pricePoints[0].amount, addon.dependencies]),
            trial: pro.defaultTrialConfig,
          },
        };
        """
    )
    assert result == {
        "everything": [["plan-free", 0], ["plan-pro", 1]],
        "currency": {"code": "EUR", "symbol": "€", "__typename": "PaywallCurrency"},
        "pro": {
            "basePlan": {"id": "plan-free", "displayName": "Free"},
            "product": {
                "id": "product-main",
                "displayName": "Main",
                "description": "The product",
                "metadata": {"k": "v"},
                "downgradePlan": {"id": "plan-free", "displayName": "Free"},
            },
            "entitlements": [["feature-seats", 10, False], ["feature-calls", 1000, True]],
            "inherited": ["feature-sso"],
            "pricePoints": [
                ["FLAT_FEE", "MONTHLY", 17, "EUR", None],
                ["PER_UNIT", "ANNUALLY", None, "USD", "feature-seats"],
                ["USAGE_BASED", "MONTHLY", 0.0004, "USD", "feature-calls"],
            ],
            "addons": [
                [
                    "addon-extra",
                    7,
                    [{"refId": "addon-storage", "displayName": "Storage", "description": "The addon-storage add-on"}],
                ],
                ["addon-storage", 5, []],
            ],
            "trial": {"duration": 14, "units": "DAY", "budget": {"limit": 25.5}},
        },
    }


def test_python_sdk_mock_paywall_shows_the_plans_as_the_widget_preview_reads_them(python_sdk: PythonSdk) -> None:
    build_catalog()
    result = python_sdk.run(
        "result = client.get_mock_paywall(generated.GetPaywallInput(**input))", {"productId": "product-main"}
    )

    free, pro = result["mockPaywall"]["plans"]
    assert result["mockPaywall"]["configuration"] is None
    assert (free["refId"], free["basePlan"], pro["basePlan"]) == (
        "plan-free",
        None,
        {"refId": "plan-free", "displayName": "Free"},
    )
    assert pro["product"] == {
        "refId": "product-main",
        "displayName": "Main",
        "description": "The product",
        "additionalMetaData": {"k": "v"},
    }
    assert pro["entitlements"][0] == {
        "usageLimit": 10.0,
        "hasUnlimitedUsage": False,
        "hasSoftLimit": True,
        "resetPeriod": None,
        "hiddenFromWidgets": ["CUSTOMER_PORTAL"],
        "displayNameOverride": "Team seats",
        "enumValues": None,
        "isGranted": True,
        "feature": SEATS,
    }
    assert [item["feature"]["refId"] for item in pro["inheritedEntitlements"]] == ["feature-sso"]
    assert [item["__typename"] for item in pro["packageEntitlements"]] == [
        "PackageFeatureEntitlement",
        "PackageFeatureEntitlement",
        "PackageCreditEntitlement",
    ]
    assert [(item["billingModel"], (item["price"] or {}).get("amount")) for item in pro["prices"]] == [
        ("FLAT_FEE", 20.0),
        ("PER_UNIT", None),
        ("USAGE_BASED", 0.0004),
    ]
    assert pro["prices"][1]["feature"] == {
        "refId": "feature-seats",
        "featureUnits": "seat",
        "featureUnitsPlural": "seats",
        "displayName": "Seats",
    }
    assert [addon["refId"] for addon in pro["compatibleAddons"]] == ["addon-extra", "addon-storage"]
    assert pro["compatibleAddons"][0]["dependencies"] == [
        {"refId": "addon-storage", "displayName": "Storage", "description": "The addon-storage add-on"}
    ]
