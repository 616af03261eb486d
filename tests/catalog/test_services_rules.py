"""Catalog rules enforced in the services, so the API, the admin and imports all obey them."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalog import enums
from catalog.errors import CannotPublish, InUse, InvalidCatalogInput
from catalog.models import Feature, Package, PackageEntitlement, PackageVersion, Price
from catalog.selectors import package_get
from catalog.services.charges import charges_replace
from catalog.services.entitlements import entitlements_create
from catalog.services.features import feature_create
from catalog.services.packages import package_archive, package_create, package_publish, package_update
from catalog.services.products import product_create

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
PLAN = enums.PackageKind.PLAN
ADDON = enums.PackageKind.ADDON


@pytest.fixture
def product() -> None:
    product_create(ref_id="app", display_name="App", now=NOW)


def publish(kind: str, ref_id: str) -> None:
    package_publish(package=package_get(kind, ref_id), migration_type="NEW_CUSTOMERS", now=NOW)


def test_a_parent_plan_cannot_be_archived_while_a_live_child_inherits_from_it(product: None) -> None:
    package_create(kind=PLAN, ref_id="basic", product_ref_id="app", display_name="Basic", now=NOW)
    publish(PLAN, "basic")
    package_create(
        kind=PLAN, ref_id="pro", product_ref_id="app", display_name="Pro", now=NOW, parent_plan_ref_id="basic"
    )
    publish(PLAN, "pro")

    with pytest.raises(InUse) as caught:
        package_archive(package=package_get(PLAN, "basic"), now=NOW)

    assert caught.value.message == "basic is the parent plan of pro; archive or re-parent them first"
    assert package_get(PLAN, "basic").archived_at is None
    package_archive(package=package_get(PLAN, "pro"), now=NOW)
    assert package_archive(package=package_get(PLAN, "basic"), now=NOW).archived_at == NOW


def test_a_paid_addon_without_charges_cannot_be_published(product: None) -> None:
    package_create(
        kind=ADDON, ref_id="storage", product_ref_id="app", display_name="Storage", now=NOW, pricing_type="PAID"
    )

    with pytest.raises(CannotPublish) as caught:
        publish(ADDON, "storage")

    assert caught.value.message == "charges: PAID add-on storage has no charges"
    assert PackageVersion.objects.get(package__ref_id="storage").status == enums.PackageStatus.DRAFT


def test_addon_dependencies_cannot_form_a_cycle(product: None) -> None:
    for ref_id in ("a", "b", "c"):
        package_create(kind=ADDON, ref_id=ref_id, product_ref_id="app", display_name=ref_id, now=NOW)
    package_update(package=package_get(ADDON, "a"), changes={"dependency_ref_ids": ["b"]}, now=NOW)
    package_update(package=package_get(ADDON, "b"), changes={"dependency_ref_ids": ["c"]}, now=NOW)

    with pytest.raises(InvalidCatalogInput) as caught:
        package_update(package=package_get(ADDON, "c"), changes={"dependency_ref_ids": ["a"]}, now=NOW)

    assert caught.value.message == "dependencies: would make a dependency cycle between add-ons"
    assert list(PackageVersion.objects.get(package__ref_id="c").dependencies.all()) == []


def test_a_reset_anchor_must_belong_to_the_reset_period(product: None) -> None:
    feature_create(
        ref_id="calls",
        display_name="Calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        now=NOW,
        meter={"aggregation": {"function": "COUNT"}, "filters": []},
    )
    package_create(kind=PLAN, ref_id="basic", product_ref_id="app", display_name="Basic", now=NOW)
    item = {
        "type": "FEATURE",
        "target_ref_id": "calls",
        "usage_limit": 10,
        "reset_period": "WEEK",
        "reset_configuration": {"weekly": "StartOfTheMonth"},
    }

    with pytest.raises(InvalidCatalogInput) as caught:
        entitlements_create(package=package_get(PLAN, "basic"), items=[item], now=NOW)

    assert caught.value.details["field"] == "entitlements[0].weeklyResetPeriodConfiguration"
    assert PackageEntitlement.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"feature_type": "DECIMAL"}, "featureType"),
        ({"feature_type": "NUMBER", "meter_type": "SOMETIMES"}, "meterType"),
    ],
)
def test_feature_enums_are_checked_by_the_service(arguments: dict, field: str) -> None:
    with pytest.raises(InvalidCatalogInput) as caught:
        feature_create(ref_id="odd", display_name="Odd", now=NOW, **arguments)

    assert caught.value.details["field"] == field
    assert Feature.objects.count() == 0


def test_a_tiered_price_without_a_flat_price_takes_its_tiers_currency(product: None) -> None:
    feature_create(ref_id="seats", display_name="Seats", feature_type="NUMBER", now=NOW)
    version = package_create(kind=PLAN, ref_id="basic", product_ref_id="app", display_name="Basic", now=NOW)
    tiers = [{"up_to": None, "unit_price": {"amount": Decimal("5"), "currency": "eur"}}]
    charges = {
        "pricing_type": "PAID",
        "pricing_models": [
            {
                "billing_model": "PER_UNIT",
                "feature_id": "seats",
                "tiers_mode": "VOLUME",
                "price_periods": [{"billing_period": "MONTHLY", "tiers": tiers}],
            }
        ],
    }

    charges_replace(version=version, charges=charges, now=NOW)

    assert Price.objects.get().currency == "eur"
    assert Package.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/v1/plans/basic", {"charges": {}}, "charges.pricingType: This field is required."),
        (
            "/api/v1/plans/basic",
            {"defaultTrialConfig": {"units": "DAY"}},
            "defaultTrialConfig.duration: This field is required.",
        ),
        ("/api/v1/plans/basic/entitlements/seats", {"usageLimit": 3}, "type: This field is required."),
    ],
)
def test_nested_required_keys_are_enforced_on_patch(
    product: None, api_client, path: str, body: dict, message: str
) -> None:
    package_create(kind=PLAN, ref_id="basic", product_ref_id="app", display_name="Basic", now=NOW)

    response = api_client.patch(path, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert Price.objects.count() == 0
    assert PackageVersion.objects.get().trial_duration is None
