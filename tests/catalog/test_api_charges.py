"""Pricing through the official Stigg client: PATCH ``charges`` replaces it, GET /charges lists price points."""

import json
from decimal import Decimal
from typing import Any

import pytest
import stigg
from django.utils import timezone

from catalog.models import PackageVersion, Price, Product
from catalog.services.features import feature_create
from catalog.services.products import product_create

METER = {"aggregation": {"function": "SUM", "field": "calls"}, "filters": []}


@pytest.fixture
def catalog(db: None) -> Product:
    now = timezone.now()
    product = product_create(ref_id="product-main", display_name="Main product", now=now)
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=now)
    feature_create(ref_id="feature-sso", display_name="SSO", feature_type="BOOLEAN", now=now)
    feature_create(
        ref_id="feature-api-calls",
        display_name="API calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        meter=METER,
        now=now,
    )
    return product


@pytest.fixture
def plan(stigg_client: stigg.Stigg, catalog: Product) -> str:
    stigg_client.v1.plans.create(id="plan-pro", display_name="Pro", product_id="product-main", pricing_type="PAID")
    return "plan-pro"


def flat_fee(amount: float, billing_period: str = "MONTHLY", **period: Any) -> dict[str, Any]:
    return {
        "billing_model": "FLAT_FEE",
        "price_periods": [{"billing_period": billing_period, "price": {"amount": amount, "currency": "usd"}, **period}],
    }


def set_charges(client: stigg.Stigg, plan_id: str, **charges: Any) -> None:
    client.v1.plans.update(plan_id, charges={"pricing_type": "PAID", **charges})  # type: ignore[typeddict-item]


def raw_charges(client: stigg.Stigg, plan_id: str, *, overage: bool = False) -> list[dict[str, Any]]:
    """The /charges page as JSON, numbers parsed as ``Decimal`` so their exact text is checked."""
    resource = client.v1.plans.with_raw_response
    response = (resource.list_overage_charges if overage else resource.list_charges)(plan_id)
    body = json.loads(response.http_response.text, parse_float=Decimal)
    assert body["pagination"] == {"next": None, "prev": None}
    return [{key: value for key, value in charge.items() if key not in ("id", "createdAt")} for charge in body["data"]]


CHARGE_DEFAULTS = {
    "billingCadence": "RECURRING",
    "billingCountryCode": None,
    "billingId": None,
    "featureId": None,
    "minUnitQuantity": None,
    "maxUnitQuantity": None,
    "blockSize": None,
    "price": None,
    "tiers": None,
    "tiersMode": None,
    "creditGrantCadence": None,
    "creditRate": None,
    "topUpCustomCurrencyId": None,
    "crmId": None,
    "crmLinkUrl": None,
    "usedInSubscriptions": False,
}


def pricing_state(plan_id: str) -> tuple:
    version = PackageVersion.objects.get(package__ref_id=plan_id, status="DRAFT")
    prices = list(
        Price.objects.filter(version=version).values_list(
            "id", "billing_model", "billing_period", "billing_country_code", "amount", "tiers", "feature__ref_id"
        )
    )
    return version.pricing_type, version.minimum_spend, version.overage_billing_period, version.updated_at, prices


def error_message(error: stigg.APIStatusError) -> str:
    return error.body["error"]["message"]  # type: ignore[index]


# What can be priced


def test_flat_fee_monthly_and_annually(stigg_client: stigg.Stigg, plan: str) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[
            {
                "billing_model": "FLAT_FEE",
                "price_periods": [
                    {"billing_period": "MONTHLY", "price": {"amount": 19.99, "currency": "usd"}},
                    {"billing_period": "ANNUALLY", "price": {"amount": 199, "currency": "usd"}},
                ],
            }
        ],
    )

    charges = list(stigg_client.v1.plans.list_charges(plan))

    assert raw_charges(stigg_client, plan) == [
        {
            **CHARGE_DEFAULTS,
            "billingModel": "FLAT_FEE",
            "billingPeriod": "MONTHLY",
            "price": {"amount": Decimal("19.99"), "currency": "usd"},
        },
        {
            **CHARGE_DEFAULTS,
            "billingModel": "FLAT_FEE",
            "billingPeriod": "ANNUALLY",
            "price": {"amount": 199, "currency": "usd"},
        },
    ]
    assert [(charge.billing_period, charge.price.amount) for charge in charges] == [
        ("MONTHLY", 19.99),
        ("ANNUALLY", 199),
    ]
    assert len({charge.id for charge in charges}) == 2
    assert stigg_client.v1.plans.retrieve(plan).data.pricing_type == "PAID"
    assert list(Price.objects.values_list("amount", flat=True)) == [Decimal("19.99"), Decimal("199")]


def test_per_unit_with_minimum_and_maximum_quantity(stigg_client: stigg.Stigg, plan: str) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[
            {
                "billing_model": "PER_UNIT",
                "feature_id": "feature-seats",
                "min_unit_quantity": 1,
                "max_unit_quantity": 50,
                "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 5}, "block_size": 5}],
            }
        ],
    )

    assert raw_charges(stigg_client, plan) == [
        {
            **CHARGE_DEFAULTS,
            "billingModel": "PER_UNIT",
            "billingPeriod": "MONTHLY",
            "featureId": "feature-seats",
            "minUnitQuantity": 1,
            "maxUnitQuantity": 50,
            "blockSize": 5,
            "price": {"amount": 5, "currency": "usd"},
        }
    ]


def test_usage_based_on_a_metered_feature_keeps_tiny_amounts_exact(stigg_client: stigg.Stigg, plan: str) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[
            {
                "billing_model": "USAGE_BASED",
                "feature_id": "feature-api-calls",
                "reset_period": "MONTH",
                "monthly_reset_period_configuration": {"according_to": "StartOfTheMonth"},
                "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 0.0004, "currency": "usd"}}],
            }
        ],
    )

    charges = raw_charges(stigg_client, plan)

    assert charges == [
        {
            **CHARGE_DEFAULTS,
            "billingModel": "USAGE_BASED",
            "billingPeriod": "MONTHLY",
            "featureId": "feature-api-calls",
            "price": {"amount": Decimal("0.0004"), "currency": "usd"},
        }
    ]
    assert str(charges[0]["price"]["amount"]) == "0.0004"
    price = Price.objects.get()
    assert (price.amount, price.reset_period, price.reset_anchor) == (Decimal("0.0004"), "MONTH", "StartOfTheMonth")


def test_amounts_with_every_allowed_digit_arrive_exactly(stigg_client: stigg.Stigg, api_client: Any, plan: str) -> None:
    # The Python client can only send floats, so the exact JSON text goes through the raw client.
    body = (
        '{"charges": {"pricingType": "PAID", "pricingModels": [{"billingModel": "FLAT_FEE", '
        '"pricePeriods": [{"billingPeriod": "MONTHLY", "price": {"amount": 12345678901234.123456}}]}]}}'
    )
    response = api_client.patch(f"/api/v1/plans/{plan}", data=body, content_type="application/json")

    assert response.status_code == 200
    assert Price.objects.get().amount == Decimal("12345678901234.123456")
    assert raw_charges(stigg_client, plan)[0]["price"]["amount"] == Decimal("12345678901234.123456")


@pytest.mark.parametrize("tiers_mode", ["VOLUME", "GRADUATED"])
def test_tiered_pricing(stigg_client: stigg.Stigg, plan: str, tiers_mode: str) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[
            {
                "billing_model": "PER_UNIT",
                "feature_id": "feature-seats",
                "tiers_mode": tiers_mode,
                "price_periods": [
                    {
                        "billing_period": "MONTHLY",
                        "tiers": [
                            {"up_to": 10, "unit_price": {"amount": 12.5, "currency": "usd"}},
                            {"up_to": 100, "unit_price": {"amount": 10}, "flat_price": {"amount": 20}},
                            {"unit_price": {"amount": 7.25}},
                        ],
                    }
                ],
            }
        ],
    )

    charges = list(stigg_client.v1.plans.list_charges(plan))

    assert raw_charges(stigg_client, plan) == [
        {
            **CHARGE_DEFAULTS,
            "billingModel": "PER_UNIT",
            "billingPeriod": "MONTHLY",
            "featureId": "feature-seats",
            "tiersMode": tiers_mode,
            "tiers": [
                {"upTo": 10, "unitPrice": {"amount": Decimal("12.5"), "currency": "usd"}, "flatPrice": None},
                {
                    "upTo": 100,
                    "unitPrice": {"amount": 10, "currency": "usd"},
                    "flatPrice": {"amount": 20, "currency": "usd"},
                },
                {"upTo": None, "unitPrice": {"amount": Decimal("7.25"), "currency": "usd"}, "flatPrice": None},
            ],
        }
    ]
    assert [(tier.up_to, tier.unit_price.amount) for tier in charges[0].tiers] == [(10, 12.5), (100, 10), (None, 7.25)]


def test_price_points_per_country(stigg_client: stigg.Stigg, plan: str) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[
            {
                "billing_model": "FLAT_FEE",
                "price_periods": [
                    {"billing_period": "MONTHLY", "price": {"amount": 10, "currency": "usd"}},
                    {
                        "billing_period": "MONTHLY",
                        "billing_country_code": "DE",
                        "price": {"amount": 9, "currency": "eur"},
                    },
                    {
                        "billing_period": "MONTHLY",
                        "billing_country_code": "GB",
                        "price": {"amount": 8, "currency": "gbp"},
                    },
                    {"billing_period": "ANNUALLY", "price": {"amount": 100, "currency": "usd"}},
                ],
            }
        ],
    )

    charges = list(stigg_client.v1.plans.list_charges(plan))

    assert [
        (charge.billing_period, charge.billing_country_code, charge.price.amount, charge.price.currency)
        for charge in charges
    ] == [
        ("MONTHLY", None, 10, "usd"),
        ("MONTHLY", "DE", 9, "eur"),
        ("MONTHLY", "GB", 8, "gbp"),
        ("ANNUALLY", None, 100, "usd"),
    ]


def test_charges_page_like_every_list(stigg_client: stigg.Stigg, plan: str) -> None:
    countries = [f"C{number}" for number in range(7)]
    set_charges(
        stigg_client,
        plan,
        pricing_models=[
            {
                "billing_model": "FLAT_FEE",
                "price_periods": [
                    {"billing_period": "MONTHLY", "billing_country_code": country, "price": {"amount": 1}}
                    for country in countries
                ],
            }
        ],
    )

    first_page = stigg_client.v1.plans.list_charges(plan, limit=3)

    assert [len(page.data) for page in first_page.iter_pages()] == [3, 3, 1]
    assert [charge.billing_country_code for charge in stigg_client.v1.plans.list_charges(plan, limit=3)] == countries


def test_minimum_spend_and_overage_billing_period_are_stored(stigg_client: stigg.Stigg, plan: str) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[flat_fee(10)],
        minimum_spend=[
            {"billing_period": "MONTHLY", "minimum": {"amount": 50.5, "currency": "usd"}},
            {"billing_period": "ANNUALLY", "minimum": {"amount": 500}},
        ],
        overage_billing_period="MONTHLY",
    )

    version = PackageVersion.objects.get(package__ref_id=plan)
    assert [(item["billingPeriod"], Decimal(item["amount"]), item["currency"]) for item in version.minimum_spend] == [
        ("MONTHLY", Decimal("50.5"), "usd"),
        ("ANNUALLY", Decimal("500"), "usd"),
    ]
    assert version.overage_billing_period == "MONTHLY"


def test_overage_pricing_is_listed_apart(stigg_client: stigg.Stigg, plan: str) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[flat_fee(10)],
        overage_pricing_models=[
            {
                "feature_id": "feature-api-calls",
                "entitlement": {"feature_id": "feature-api-calls", "usage_limit": 1000},
                "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 0.01, "currency": "usd"}}],
            }
        ],
    )

    assert raw_charges(stigg_client, plan, overage=True) == [
        {
            **CHARGE_DEFAULTS,
            "billingModel": "USAGE_BASED",
            "billingPeriod": "MONTHLY",
            "featureId": "feature-api-calls",
            "price": {"amount": Decimal("0.01"), "currency": "usd"},
        }
    ]
    assert [charge.billing_model for charge in stigg_client.v1.plans.list_charges(plan)] == ["FLAT_FEE"]
    overage = Price.objects.get(is_overage=True)
    assert overage.overage_entitlement == {"featureId": "feature-api-calls", "usageLimit": 1000}


def test_charges_replace_the_whole_pricing(stigg_client: stigg.Stigg, plan: str) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[flat_fee(10), flat_fee(100, "ANNUALLY")],
        overage_pricing_models=[
            {
                "feature_id": "feature-api-calls",
                "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 1}}],
            }
        ],
        minimum_spend=[{"billing_period": "MONTHLY", "minimum": {"amount": 5}}],
    )

    set_charges(stigg_client, plan, pricing_models=[flat_fee(12)])

    assert [(charge.billing_period, charge.price.amount) for charge in stigg_client.v1.plans.list_charges(plan)] == [
        ("MONTHLY", 12)
    ]
    assert list(stigg_client.v1.plans.list_overage_charges(plan)) == []
    assert Price.objects.count() == 1
    assert PackageVersion.objects.get(package__ref_id=plan).minimum_spend is None


def test_free_pricing_clears_every_price(stigg_client: stigg.Stigg, plan: str) -> None:
    set_charges(stigg_client, plan, pricing_models=[flat_fee(10)])

    plan_after = stigg_client.v1.plans.update(plan, charges={"pricing_type": "FREE"}).data

    assert plan_after.pricing_type == "FREE"
    assert list(stigg_client.v1.plans.list_charges(plan)) == []
    assert Price.objects.count() == 0


def test_a_new_draft_copies_the_prices_and_leaves_the_published_ones_alone(
    stigg_client: stigg.Stigg, plan: str
) -> None:
    set_charges(stigg_client, plan, pricing_models=[flat_fee(10)])
    stigg_client.v1.plans.publish(plan, migration_type="NEW_CUSTOMERS")
    stigg_client.v1.plans.create_draft(plan)

    copied = [(charge.billing_period, charge.price.amount) for charge in stigg_client.v1.plans.list_charges(plan)]
    set_charges(stigg_client, plan, pricing_models=[flat_fee(15)])

    assert copied == [("MONTHLY", 10)]
    assert [(charge.price.amount) for charge in stigg_client.v1.plans.list_charges(plan)] == [15]
    assert list(Price.objects.filter(version__version_number=1).values_list("amount", flat=True)) == [Decimal("10")]
    stigg_client.v1.plans.remove_draft(plan)
    assert [(charge.price.amount) for charge in stigg_client.v1.plans.list_charges(plan)] == [10]


def test_addon_charges_have_no_used_in_subscriptions(stigg_client: stigg.Stigg, catalog: Product) -> None:
    stigg_client.v1.addons.create(id="addon-storage", display_name="Storage", product_id="product-main")
    stigg_client.v1.addons.update(
        "addon-storage",
        charges={
            "pricing_type": "PAID",
            "pricing_models": [
                {
                    "billing_model": "PER_UNIT",
                    "feature_id": "feature-seats",
                    "price_periods": [{"billing_period": "ANNUALLY", "price": {"amount": 49.9}}],
                }
            ],
        },
    )

    response = stigg_client.v1.addons.with_raw_response.list_charges("addon-storage")
    charges = json.loads(response.http_response.text, parse_float=Decimal)["data"]

    assert [
        (charge["billingModel"], charge["billingPeriod"], charge["featureId"], charge["price"]) for charge in charges
    ] == [("PER_UNIT", "ANNUALLY", "feature-seats", {"amount": Decimal("49.9"), "currency": "usd"})]
    assert "usedInSubscriptions" not in charges[0]
    assert stigg_client.v1.addons.retrieve("addon-storage").data.pricing_type == "PAID"


def test_charges_of_an_unknown_plan_are_not_found(stigg_client: stigg.Stigg, catalog: Product) -> None:
    with pytest.raises(stigg.NotFoundError):
        list(stigg_client.v1.plans.list_charges("plan-missing"))


# Bad pricing: refused with the field path, and the previous pricing stays


def per_unit_model(**overrides: Any) -> dict[str, Any]:
    return {
        "billingModel": "PER_UNIT",
        "featureId": "feature-seats",
        "pricePeriods": [{"billingPeriod": "MONTHLY", "price": {"amount": 1}}],
        **overrides,
    }


def tiers(*up_to: int | None) -> list[dict[str, Any]]:
    return [{"upTo": value, "unitPrice": {"amount": 1}} for value in up_to]


@pytest.mark.parametrize(
    ("charges", "error_class", "message"),
    [
        (
            {"pricingModels": [per_unit_model(pricePeriods=[{"billingPeriod": "MONTHLY", "price": {"amount": -1}}])]},
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods[0].price.amount: must be 0 or more",
        ),
        (
            {
                "pricingModels": [
                    per_unit_model(
                        tiersMode="VOLUME", pricePeriods=[{"billingPeriod": "MONTHLY", "tiers": tiers(100, 50, None)}]
                    )
                ]
            },
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods[0].tiers[1].upTo: must be positive and greater than the previous "
            "tier's",
        ),
        (
            {
                "pricingModels": [
                    per_unit_model(
                        tiersMode="GRADUATED", pricePeriods=[{"billingPeriod": "MONTHLY", "tiers": tiers(None, 10)}]
                    )
                ]
            },
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods[0].tiers[0].upTo: may be null only on the last tier",
        ),
        (
            {
                "pricingModels": [
                    per_unit_model(
                        tiersMode="GRADUATED",
                        pricePeriods=[
                            {
                                "billingPeriod": "MONTHLY",
                                "tiers": [{"upTo": 10, "unitPrice": {"amount": 1}}, {"unitPrice": {"amount": -2}}],
                            }
                        ],
                    )
                ]
            },
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods[0].tiers[1].unitPrice.amount: must be 0 or more",
        ),
        (
            {"pricingModels": [per_unit_model(tiersMode="VOLUME")]},
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods[0].tiers: are required with tiersMode VOLUME",
        ),
        (
            {"pricingModels": [per_unit_model(pricePeriods=[{"billingPeriod": "MONTHLY", "tiers": tiers(10, None)}])]},
            stigg.BadRequestError,
            "charges.pricingModels[0].tiersMode: is required when tiers are given",
        ),
        (
            {"pricingModels": [per_unit_model(billingModel="USAGE_BASED")]},
            stigg.BadRequestError,
            "charges.pricingModels[0].featureId: feature feature-seats must be metered for usage pricing",
        ),
        (
            {"pricingModels": [per_unit_model(featureId="feature-sso")]},
            stigg.BadRequestError,
            "charges.pricingModels[0].featureId: feature feature-sso must be a NUMBER feature",
        ),
        (
            {"pricingModels": [per_unit_model(featureId=None)]},
            stigg.BadRequestError,
            "charges.pricingModels[0].featureId: is required for PER_UNIT pricing",
        ),
        (
            {"pricingModels": [per_unit_model(featureId="feature-missing")]},
            stigg.NotFoundError,
            "charges.pricingModels[0].featureId: Feature feature-missing not found",
        ),
        (
            {"pricingModels": [per_unit_model(minUnitQuantity=10, maxUnitQuantity=5)]},
            stigg.BadRequestError,
            "charges.pricingModels[0].minUnitQuantity: must not exceed maxUnitQuantity",
        ),
        (
            {
                "pricingModels": [
                    per_unit_model(
                        pricePeriods=[
                            {"billingPeriod": "MONTHLY", "price": {"amount": 1}},
                            {"billingPeriod": "MONTHLY", "price": {"amount": 2}},
                        ]
                    )
                ]
            },
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods[1].billingPeriod: is listed twice for the same country",
        ),
        (
            {"pricingModels": [per_unit_model(pricePeriods=[{"billingPeriod": "MONTHLY"}])]},
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods[0]: needs a price, tiers or a creditRate",
        ),
        (
            {"pricingType": "FREE", "pricingModels": [per_unit_model()]},
            stigg.BadRequestError,
            "charges.pricingModels: must be empty for a FREE package",
        ),
        (
            {
                "pricingModels": [per_unit_model()],
                "minimumSpend": [{"billingPeriod": "MONTHLY", "minimum": {"amount": -5}}],
            },
            stigg.BadRequestError,
            "charges.minimumSpend[0].minimum.amount: must be 0 or more",
        ),
        (
            {
                "overagePricingModels": [
                    {
                        "featureId": "feature-seats",
                        "pricePeriods": [{"billingPeriod": "MONTHLY", "price": {"amount": 1}}],
                    }
                ]
            },
            stigg.BadRequestError,
            "charges.overagePricingModels[0].featureId: feature feature-seats must be metered for usage pricing",
        ),
        (
            {"pricingModels": [per_unit_model(maxUnitQuantity=2**31)]},
            stigg.BadRequestError,
            "charges.pricingModels[0].maxUnitQuantity: Ensure this value is less than or equal to 2147483647.",
        ),
        (
            {"pricingType": "EXPENSIVE"},
            stigg.BadRequestError,
            'charges.pricingType: "EXPENSIVE" is not a valid choice.',
        ),
        (
            {"pricingModels": [per_unit_model(), per_unit_model(billingModel="PER_SEAT")]},
            stigg.BadRequestError,
            'charges.pricingModels[1].billingModel: "PER_SEAT" is not a valid choice.',
        ),
        (
            {"pricingModels": [per_unit_model(billingModel="PER_SEAT")]},
            stigg.BadRequestError,
            'charges.pricingModels[0].billingModel: "PER_SEAT" is not a valid choice.',
        ),
        (
            {"pricingModels": [per_unit_model(pricePeriods=[{"billingPeriod": "WEEKLY", "price": {"amount": 1}}])]},
            stigg.BadRequestError,
            'charges.pricingModels[0].pricePeriods[0].billingPeriod: "WEEKLY" is not a valid choice.',
        ),
        (
            {
                "pricingModels": [
                    per_unit_model(
                        pricePeriods=[{"billingPeriod": "MONTHLY", "price": {"amount": 1, "currency": "xyz"}}]
                    )
                ]
            },
            stigg.BadRequestError,
            'charges.pricingModels[0].pricePeriods[0].price.currency: "xyz" is not a valid choice.',
        ),
        (
            {
                "pricingModels": [
                    per_unit_model(pricePeriods=[{"billingPeriod": "MONTHLY", "price": {"amount": 0.0000001}}])
                ]
            },
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods[0].price.amount: Ensure that there are no more than 6 decimal "
            "places.",
        ),
        (
            {"pricingModels": [per_unit_model(pricePeriods=[])]},
            stigg.BadRequestError,
            "charges.pricingModels[0].pricePeriods: This list may not be empty.",
        ),
    ],
)
def test_bad_charges_are_refused_and_the_pricing_is_unchanged(
    stigg_client: stigg.Stigg,
    plan: str,
    charges: dict[str, Any],
    error_class: type[stigg.APIStatusError],
    message: str,
) -> None:
    set_charges(
        stigg_client,
        plan,
        pricing_models=[flat_fee(10)],
        minimum_spend=[{"billing_period": "MONTHLY", "minimum": {"amount": 5}}],
    )
    before = pricing_state(plan)

    with pytest.raises(error_class) as caught:
        stigg_client.v1.plans.update(
            plan, display_name="Changed", extra_body={"charges": {"pricingType": "PAID", **charges}}
        )

    assert pricing_state(plan) == before
    assert PackageVersion.objects.get(package__ref_id=plan).display_name == "Pro"
    assert error_message(caught.value) == message
