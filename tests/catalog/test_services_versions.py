"""Package versions at the service level: what publish and create-draft copy, and how they behave under races."""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Max

from catalog import enums
from catalog.errors import NoDraftVersion, PackageArchived
from catalog.models import Package, PackageEntitlement, PackageVersion, Price
from catalog.services import entitlements as entitlement_services
from catalog.services import packages as package_services
from catalog.services.currencies import custom_currency_create
from catalog.services.entitlements import entitlements_create
from catalog.services.features import feature_create
from catalog.services.packages import (
    package_archive,
    package_create,
    package_create_draft,
    package_publish,
    package_update,
)
from catalog.services.products import product_create

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)
T3 = T0 + timedelta(hours=3)
PLAN = enums.PackageKind.PLAN
ADDON = enums.PackageKind.ADDON
NEW_CUSTOMERS = enums.MigrationType.NEW_CUSTOMERS
METER = {"aggregation": {"function": "COUNT"}, "filters": []}
# Columns a copy must not share with its source.
VERSION_OWN_FIELDS = {"id", "version_number", "status", "is_latest", "created_at", "updated_at", "published_at"}
ROW_OWN_FIELDS = {"id", "version", "created_at", "updated_at"}


def build_catalog() -> None:
    product_create(ref_id="product-main", display_name="Main", now=T0)
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=T0)
    feature_create(ref_id="feature-sso", display_name="SSO", feature_type="BOOLEAN", now=T0)
    feature_create(
        ref_id="feature-calls",
        display_name="Calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        meter=METER,
        now=T0,
    )
    custom_currency_create(ref_id="credits", display_name="Credits", now=T0)


def package(ref_id: str, kind: str = PLAN) -> Package:
    return Package.objects.get(kind=kind, ref_id=ref_id)


def full_plan() -> Package:
    """A plan whose draft uses every kind of content a version can carry: fields, M2Ms, entitlements, prices."""
    for ref_id in ("addon-a", "addon-b"):
        package_create(kind=ADDON, ref_id=ref_id, product_ref_id="product-main", display_name=ref_id, now=T0)
    package_create(
        kind=PLAN, ref_id="plan-base", product_ref_id="product-main", display_name="Base", now=T0, status="PUBLISHED"
    )
    package_create(
        kind=PLAN,
        ref_id="plan-pro",
        product_ref_id="product-main",
        display_name="Pro",
        description="Everything",
        metadata={"tier": "2"},
        billing_id="billing-pro",
        parent_plan_ref_id="plan-base",
        compatible_addon_ref_ids=["addon-a", "addon-b"],
        default_trial_config={
            "duration": Decimal(14),
            "units": "DAY",
            "budget": {"has_soft_limit": True, "limit": Decimal("25.5")},
            "trial_end_behavior": "CANCEL_SUBSCRIPTION",
        },
        charges={
            "pricing_type": "PAID",
            "minimum_spend": [{"billing_period": "MONTHLY", "minimum": {"amount": Decimal("50"), "currency": "usd"}}],
            "overage_billing_period": "MONTHLY",
            "pricing_models": [
                {
                    "billing_model": "FLAT_FEE",
                    "price_periods": [
                        {"billing_period": "MONTHLY", "price": {"amount": Decimal("19.99"), "currency": "usd"}},
                        {
                            "billing_period": "MONTHLY",
                            "billing_country_code": "DE",
                            "price": {"amount": Decimal("17"), "currency": "eur"},
                        },
                    ],
                },
                {
                    "billing_model": "PER_UNIT",
                    "feature_id": "feature-seats",
                    "min_unit_quantity": 1,
                    "max_unit_quantity": 20,
                    "tiers_mode": "GRADUATED",
                    "price_periods": [
                        {
                            "billing_period": "ANNUALLY",
                            "tiers": [
                                {"up_to": Decimal(10), "unit_price": {"amount": Decimal("5")}},
                                {"unit_price": {"amount": Decimal("4")}, "flat_price": {"amount": Decimal("1")}},
                            ],
                        }
                    ],
                },
                {
                    "billing_model": "USAGE_BASED",
                    "feature_id": "feature-calls",
                    "reset_period": "MONTH",
                    "reset_configuration": {"monthly": "StartOfTheMonth"},
                    "price_periods": [
                        {
                            "billing_period": "MONTHLY",
                            "price": {"amount": Decimal("0.0004")},
                            "block_size": Decimal(100),
                        }
                    ],
                },
            ],
            "overage_pricing_models": [
                {
                    "feature_id": "feature-calls",
                    "entitlement": {"featureId": "feature-calls", "usageLimit": 1000},
                    "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": Decimal("0.01")}}],
                }
            ],
        },
        now=T0,
    )
    plan = package("plan-pro")
    entitlements_create(
        package=plan,
        items=[
            {"type": "FEATURE", "target_ref_id": "feature-sso", "hidden_from_widgets": ["PAYWALL"], "order": 2.5},
            {
                "type": "FEATURE",
                "target_ref_id": "feature-seats",
                "usage_limit": 10,
                "has_soft_limit": True,
                "behavior": "Override",
                "display_name_override": "Team seats",
                "description": "Seats",
                "is_custom": True,
            },
            {
                "type": "FEATURE",
                "target_ref_id": "feature-calls",
                "usage_limit": 1000,
                "reset_period": "WEEK",
                "reset_configuration": {"weekly": "EveryMonday"},
            },
            {
                "type": "CREDIT",
                "target_ref_id": "credits",
                "amount": Decimal("250.5"),
                "cadence": "MONTH",
                "dependency_feature_ref_id": "feature-seats",
            },
        ],
        now=T0,
    )
    return plan


def version_values(version: PackageVersion) -> dict[str, Any]:
    return {
        field.attname: getattr(version, field.attname)
        for field in PackageVersion._meta.concrete_fields
        if field.name not in VERSION_OWN_FIELDS
    }


def row_values(rows: Any, model: type) -> list[dict[str, Any]]:
    names = [field.attname for field in model._meta.concrete_fields if field.name not in ROW_OWN_FIELDS]
    return [{name: getattr(row, name) for name in names} for row in rows.order_by("pk")]


def content(version: PackageVersion) -> dict[str, Any]:
    """Everything a version holds, independent of which row it is."""
    return {
        "fields": version_values(version),
        "entitlements": row_values(version.entitlements.all(), PackageEntitlement),
        "prices": row_values(version.prices.all(), Price),
        "compatible_addons": sorted(version.compatible_addons.values_list("ref_id", flat=True)),
        "dependencies": sorted(version.dependencies.values_list("ref_id", flat=True)),
    }


def addon_with_dependencies() -> Package:
    package_create(kind=ADDON, ref_id="addon-base", product_ref_id="product-main", display_name="Base", now=T0)
    package_create(
        kind=ADDON,
        ref_id="addon-extra",
        product_ref_id="product-main",
        display_name="Extra",
        max_quantity=3,
        dependency_ref_ids=["addon-base"],
        now=T0,
    )
    addon = package("addon-extra", ADDON)
    entitlements_create(
        package=addon, items=[{"type": "FEATURE", "target_ref_id": "feature-seats", "usage_limit": 5}], now=T0
    )
    return addon


# Publish and create-draft


def test_publish_makes_the_draft_the_latest_and_changes_nothing_else(db: None) -> None:
    build_catalog()
    plan = full_plan()
    draft = PackageVersion.objects.get(package=plan)
    before = content(draft)

    published = package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)

    published.refresh_from_db()
    assert (published.pk, published.version_number, published.status, published.is_latest) == (
        draft.pk,
        1,
        "PUBLISHED",
        True,
    )
    assert (published.published_at, published.updated_at, published.created_at) == (T1, T1, T0)
    assert content(published) == before


def test_create_draft_copies_the_latest_version_exactly(db: None) -> None:
    build_catalog()
    plan = full_plan()
    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)
    source = PackageVersion.objects.get(package=plan, version_number=1)
    source_content = content(source)
    source_row_ids = (
        sorted(source.entitlements.values_list("pk", flat=True)),
        sorted(source.prices.values_list("pk", flat=True)),
    )

    draft = package_create_draft(package=plan, now=T2)

    draft.refresh_from_db()
    assert (draft.version_number, draft.status, draft.is_latest, draft.published_at) == (2, "DRAFT", False, None)
    assert (draft.created_at, draft.updated_at) == (T2, T2)
    assert content(draft) == source_content
    assert len(source_content["entitlements"]) == 4
    assert len(source_content["prices"]) == 5
    assert source_content["compatible_addons"] == ["addon-a", "addon-b"]
    assert set(draft.entitlements.values_list("created_at", "updated_at")) == {(T2, T2)}
    assert set(draft.prices.values_list("created_at", flat=True)) == {T2}
    assert not set(draft.entitlements.values_list("pk", flat=True)) & set(source_row_ids[0])
    assert not set(draft.prices.values_list("pk", flat=True)) & set(source_row_ids[1])
    source.refresh_from_db()
    assert (source.status, source.is_latest, source.published_at) == ("PUBLISHED", True, T1)
    assert content(source) == source_content
    assert (
        sorted(source.entitlements.values_list("pk", flat=True)),
        sorted(source.prices.values_list("pk", flat=True)),
    ) == source_row_ids


def test_create_draft_copies_addon_dependencies_and_max_quantity(db: None) -> None:
    build_catalog()
    addon = addon_with_dependencies()
    package_publish(package=addon, migration_type=NEW_CUSTOMERS, now=T1)
    source_content = content(PackageVersion.objects.get(package=addon, version_number=1))

    draft = package_create_draft(package=addon, now=T2)

    assert content(draft) == source_content
    assert (source_content["dependencies"], source_content["fields"]["max_quantity"]) == (["addon-base"], 3)


def test_editing_the_new_draft_leaves_the_published_version_alone(db: None) -> None:
    build_catalog()
    plan = full_plan()
    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)
    published_content = content(PackageVersion.objects.get(package=plan, version_number=1))
    package_create_draft(package=plan, now=T2)

    package_update(
        package=plan,
        changes={
            "display_name": "Pro 2",
            "compatible_addon_ref_ids": ["addon-a"],
            "parent_plan_ref_id": None,
            "charges": {"pricing_type": "FREE"},
        },
        now=T3,
    )
    PackageEntitlement.objects.filter(version__package=plan, version__version_number=2).delete()

    assert content(PackageVersion.objects.get(package=plan, version_number=1)) == published_content
    draft = PackageVersion.objects.get(package=plan, version_number=2)
    assert (draft.display_name, draft.parent_plan, draft.pricing_type, draft.minimum_spend) == (
        "Pro 2",
        None,
        "FREE",
        None,
    )
    assert list(draft.compatible_addons.values_list("ref_id", flat=True)) == ["addon-a"]


def test_second_publish_moves_latest_and_keeps_the_first_version(db: None) -> None:
    build_catalog()
    plan = full_plan()
    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)
    package_create_draft(package=plan, now=T2)
    first_content = content(PackageVersion.objects.get(package=plan, version_number=1))

    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T3)

    assert list(
        PackageVersion.objects.filter(package=plan).values_list("version_number", "status", "is_latest", "published_at")
    ) == [(1, "PUBLISHED", False, T1), (2, "PUBLISHED", True, T3)]
    assert content(PackageVersion.objects.get(package=plan, version_number=1)) == first_content


def test_create_draft_twice_returns_the_same_draft(db: None) -> None:
    build_catalog()
    plan = full_plan()
    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)

    first = package_create_draft(package=plan, now=T2)
    second = package_create_draft(package=plan, now=T3)

    assert second.pk == first.pk
    assert list(PackageVersion.objects.filter(package=plan).values_list("version_number", "status", "created_at")) == [
        (1, "PUBLISHED", T0),
        (2, "DRAFT", T2),
    ]
    assert PackageEntitlement.objects.filter(version=first).count() == 4


def test_publish_without_a_draft_raises_and_writes_nothing(db: None) -> None:
    build_catalog()
    plan = full_plan()
    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)

    with pytest.raises(NoDraftVersion):
        package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T2)

    assert list(PackageVersion.objects.filter(package=plan).values_list("status", "is_latest", "updated_at")) == [
        ("PUBLISHED", True, T1)
    ]


def test_archived_package_gets_no_draft(db: None) -> None:
    build_catalog()
    plan = full_plan()
    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)
    package_archive(package=plan, now=T2)

    with pytest.raises(PackageArchived):
        package_create_draft(package=plan, now=T3)

    assert PackageVersion.objects.filter(package=plan).count() == 1


# Races, with real threads on PostgreSQL


def run_concurrently(target: Callable[[], Any], count: int = 2) -> list[Any]:
    """Start ``count`` threads at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            outcome: Any = target()
        except Exception as error:
            outcome = error
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == count
    return results


def slowed(original: Callable[..., Any]) -> Callable[..., Any]:
    """Widen the window between reading the draft and writing, so an unlocked implementation would race."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return original(*args, **kwargs)

    return wrapper


def test_two_concurrent_publishes_of_one_draft_publish_it_once(transactional_db: None) -> None:
    build_catalog()
    plan = full_plan()
    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)
    package_create_draft(package=plan, now=T2)

    def publish() -> PackageVersion:
        return package_publish(package=Package.objects.get(pk=plan.pk), migration_type=NEW_CUSTOMERS, now=T3)

    with mock.patch.object(package_services, "_validate_publishable", slowed(package_services._validate_publishable)):
        results = run_concurrently(publish)

    published = [result for result in results if isinstance(result, PackageVersion)]
    refused = [result for result in results if isinstance(result, NoDraftVersion)]
    assert (len(published), len(refused)) == (1, 1), results
    assert published[0].version_number == 2
    assert list(PackageVersion.objects.filter(package=plan).values_list("version_number", "status", "is_latest")) == [
        (1, "PUBLISHED", False),
        (2, "PUBLISHED", True),
    ]


def test_two_concurrent_create_drafts_make_one_draft(transactional_db: None) -> None:
    build_catalog()
    plan = full_plan()
    package_publish(package=plan, migration_type=NEW_CUSTOMERS, now=T1)

    def create_draft() -> PackageVersion:
        return package_create_draft(package=Package.objects.get(pk=plan.pk), now=T2)

    with mock.patch.object(package_services, "Max", slowed(Max)):
        results = run_concurrently(create_draft)

    assert all(isinstance(result, PackageVersion) for result in results), results
    assert {result.pk for result in results} == {PackageVersion.objects.get(package=plan, status="DRAFT").pk}
    assert list(PackageVersion.objects.filter(package=plan).values_list("version_number", "status", "is_latest")) == [
        (1, "PUBLISHED", True),
        (2, "DRAFT", False),
    ]
    assert PackageEntitlement.objects.filter(version__version_number=2, version__package=plan).count() == 4
    assert Price.objects.filter(version__version_number=2, version__package=plan).count() == 5


def test_two_concurrent_entitlement_creates_for_one_feature_add_it_once(transactional_db: None) -> None:
    build_catalog()
    package_create(kind=PLAN, ref_id="plan-basic", product_ref_id="product-main", display_name="Basic", now=T0)
    plan = package("plan-basic")

    def add_seats() -> list[PackageEntitlement]:
        return entitlements_create(
            package=Package.objects.get(pk=plan.pk),
            items=[{"type": "FEATURE", "target_ref_id": "feature-seats", "usage_limit": 5}],
            now=T1,
        )

    with mock.patch.object(entitlement_services, "_build", slowed(entitlement_services._build)):
        results = run_concurrently(add_seats)

    assert sorted(type(result).__name__ for result in results) == ["DuplicateEntitlement", "list"], results
    assert list(PackageEntitlement.objects.values_list("version__package__ref_id", "feature__ref_id")) == [
        ("plan-basic", "feature-seats")
    ]
