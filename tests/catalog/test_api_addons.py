"""Add-ons through the official Stigg client: versions, drafts, max quantity and dependencies (§3.8)."""

from datetime import UTC, datetime

import pytest
import stigg
from django.utils import timezone

from catalog import enums
from catalog.models import Package, PackageVersion, Product
from catalog.services.features import feature_create
from catalog.services.packages import package_create
from catalog.services.products import product_create
from tests.support.api_errors import error_code, error_message

ADDON = enums.PackageKind.ADDON


@pytest.fixture
def product(db: None) -> Product:
    return product_create(ref_id="product-main", display_name="Main product", now=timezone.now())


@pytest.fixture
def other_product(db: None) -> Product:
    return product_create(ref_id="product-other", display_name="Other product", now=timezone.now())


def make_addon(client: stigg.Stigg, ref_id: str, product_ref_id: str = "product-main", **fields: object) -> None:
    client.v1.addons.create(id=ref_id, display_name=ref_id.title(), product_id=product_ref_id, **fields)


def versions_of(ref_id: str) -> list[tuple[int, str, bool, str]]:
    return list(
        PackageVersion.objects.filter(package__kind=ADDON, package__ref_id=ref_id)
        .order_by("version_number")
        .values_list("version_number", "status", "is_latest", "display_name")
    )


def test_create_returns_version_one_as_a_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    addon = stigg_client.v1.addons.create(
        id="addon-storage",
        display_name="Storage",
        product_id="product-main",
        description="More storage",
        metadata={"kind": "storage"},
        billing_id="billing-storage",
        max_quantity=5,
        pricing_type="PAID",
    ).data

    assert (addon.id, addon.display_name, addon.description, addon.product_id) == (
        "addon-storage",
        "Storage",
        "More storage",
        "product-main",
    )
    assert (addon.metadata, addon.billing_id, addon.max_quantity, addon.pricing_type) == (
        {"kind": "storage"},
        "billing-storage",
        5,
        "PAID",
    )
    assert (addon.status, addon.version_number, addon.is_latest) == ("DRAFT", 1, False)
    assert (addon.entitlements, addon.dependencies) == ([], [])
    assert versions_of("addon-storage") == [(1, "DRAFT", False, "Storage")]


def test_addon_has_no_plan_only_fields_on_the_wire(stigg_client: stigg.Stigg, product: Product) -> None:
    response = stigg_client.v1.addons.with_raw_response.create(
        id="addon-storage", display_name="Storage", product_id="product-main"
    )

    body = response.http_response.json()["data"]
    assert {"parentPlanId", "compatibleAddonIds", "defaultTrialConfig"} & set(body) == set()


def test_retrieve_returns_what_create_returned(stigg_client: stigg.Stigg, product: Product) -> None:
    created = stigg_client.v1.addons.create(id="addon-storage", display_name="Storage", product_id="product-main").data

    assert stigg_client.v1.addons.retrieve("addon-storage").data == created


def test_retrieve_unknown_addon_is_not_found(stigg_client: stigg.Stigg, product: Product) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.addons.retrieve("addon-missing")

    assert error_code(caught.value) == "ADDON_NOT_FOUND"


def test_create_with_a_taken_id_is_a_conflict(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage")

    with pytest.raises(stigg.ConflictError) as caught:
        make_addon(stigg_client, "addon-storage")

    assert error_code(caught.value) == "DUPLICATE_ID"
    assert versions_of("addon-storage") == [(1, "DRAFT", False, "Addon-Storage")]


def test_update_changes_the_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage", max_quantity=5)

    addon = stigg_client.v1.addons.update(
        "addon-storage", display_name="Storage+", description="Bigger", metadata={"a": "b"}, billing_id="b-1"
    ).data

    assert (addon.display_name, addon.description, addon.metadata, addon.billing_id, addon.max_quantity) == (
        "Storage+",
        "Bigger",
        {"a": "b"},
        "b-1",
        5,
    )
    assert versions_of("addon-storage") == [(1, "DRAFT", False, "Storage+")]


# Max quantity


def test_max_quantity_can_be_changed_and_cleared(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage")

    assert stigg_client.v1.addons.retrieve("addon-storage").data.max_quantity is None
    assert stigg_client.v1.addons.update("addon-storage", max_quantity=10).data.max_quantity == 10
    assert stigg_client.v1.addons.update("addon-storage", display_name="Kept").data.max_quantity == 10
    assert stigg_client.v1.addons.update("addon-storage", max_quantity=None).data.max_quantity is None
    assert PackageVersion.objects.get(package__ref_id="addon-storage").max_quantity is None


@pytest.mark.parametrize("max_quantity", [0, -3])
def test_max_quantity_below_one_is_refused(stigg_client: stigg.Stigg, product: Product, max_quantity: int) -> None:
    make_addon(stigg_client, "addon-storage", max_quantity=2)

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.addons.update("addon-storage", max_quantity=max_quantity)

    assert error_message(caught.value) == "maxQuantity: Ensure this value is greater than or equal to 1."
    assert PackageVersion.objects.get(package__ref_id="addon-storage").max_quantity == 2


# Dependencies


def test_dependencies_round_trip_and_survive_a_new_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-base")
    make_addon(stigg_client, "addon-extra")
    make_addon(stigg_client, "addon-storage")

    updated = stigg_client.v1.addons.update("addon-storage", dependencies=["addon-extra", "addon-base"]).data
    stigg_client.v1.addons.publish("addon-storage", migration_type="NEW_CUSTOMERS")
    draft = stigg_client.v1.addons.create_draft("addon-storage").data
    cleared = stigg_client.v1.addons.update("addon-storage", dependencies=None).data

    assert updated.dependencies == ["addon-base", "addon-extra"]
    assert draft.dependencies == ["addon-base", "addon-extra"]
    assert cleared.dependencies == []
    version_one = PackageVersion.objects.get(package__ref_id="addon-storage", version_number=1)
    assert sorted(version_one.dependencies.values_list("ref_id", flat=True)) == ["addon-base", "addon-extra"]


def test_bad_dependencies_are_refused_and_nothing_is_written(
    stigg_client: stigg.Stigg, product: Product, other_product: Product
) -> None:
    make_addon(stigg_client, "addon-storage")
    make_addon(stigg_client, "addon-elsewhere", "product-other")

    with pytest.raises(stigg.BadRequestError) as itself:
        stigg_client.v1.addons.update("addon-storage", dependencies=["addon-storage"])
    with pytest.raises(stigg.BadRequestError) as other:
        stigg_client.v1.addons.update("addon-storage", dependencies=["addon-elsewhere"])
    with pytest.raises(stigg.NotFoundError) as unknown:
        stigg_client.v1.addons.update("addon-storage", display_name="Changed", dependencies=["addon-missing"])

    assert error_message(itself.value) == "dependencies[0]: an add-on cannot depend on itself"
    assert error_message(other.value) == "dependencies[0]: add-on addon-elsewhere belongs to another product"
    assert error_message(unknown.value) == "dependencies[0]: Add-on addon-missing not found"
    version = PackageVersion.objects.get(package__ref_id="addon-storage")
    assert (version.display_name, list(version.dependencies.all())) == ("Addon-Storage", [])


def test_a_plan_is_not_an_addon_dependency(stigg_client: stigg.Stigg, product: Product) -> None:
    stigg_client.v1.plans.create(id="plan-basic", display_name="Basic", product_id="product-main")
    make_addon(stigg_client, "addon-storage")

    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.addons.update("addon-storage", dependencies=["plan-basic"])

    assert error_code(caught.value) == "ADDON_NOT_FOUND"
    assert list(PackageVersion.objects.get(package__ref_id="addon-storage").dependencies.all()) == []


def test_cannot_publish_with_an_archived_dependency(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-base")
    make_addon(stigg_client, "addon-storage")
    stigg_client.v1.addons.update("addon-storage", dependencies=["addon-base"])
    stigg_client.v1.addons.archive("addon-base")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.addons.publish("addon-storage", migration_type="NEW_CUSTOMERS")

    assert error_code(caught.value) == "CANNOT_PUBLISH"
    assert error_message(caught.value) == "add-on addon-base is archived"
    assert versions_of("addon-storage") == [(1, "DRAFT", False, "Addon-Storage")]


# List and archive


def test_list_pages_through_every_addon_with_filters(
    stigg_client: stigg.Stigg, product: Product, other_product: Product
) -> None:
    early = datetime(2024, 1, 1, tzinfo=UTC)
    late = datetime(2024, 6, 1, tzinfo=UTC)
    for number in range(23):
        package_create(
            kind=ADDON,
            ref_id=f"addon-{number:02d}",
            product_ref_id="product-main" if number % 2 == 0 else "product-other",
            display_name="A",
            now=early if number < 5 else late,
            status=enums.PackageStatus.PUBLISHED if number % 3 == 0 else None,
        )
    package_create(
        kind=enums.PackageKind.PLAN, ref_id="plan-x", product_ref_id="product-main", display_name="P", now=late
    )

    def ids(**filters: object) -> list[str]:
        return [addon.id for addon in stigg_client.v1.addons.list(limit=4, **filters)]  # type: ignore[arg-type]

    assert [len(page.data) for page in stigg_client.v1.addons.list(limit=10).iter_pages()] == [10, 10, 3]
    assert ids() == [f"addon-{number:02d}" for number in range(23)]
    assert ids(product_id="product-main") == [f"addon-{number:02d}" for number in range(0, 23, 2)]
    assert ids(status=["PUBLISHED"]) == [f"addon-{number:02d}" for number in range(0, 23, 3)]
    assert ids(status=["DRAFT"], product_id="product-other", created_at={"gte": late}) == [
        f"addon-{number:02d}" for number in range(5, 23) if number % 2 == 1 and number % 3 != 0
    ]


def test_archive_archives_every_version_and_is_idempotent(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage")
    stigg_client.v1.addons.publish("addon-storage", migration_type="NEW_CUSTOMERS")
    stigg_client.v1.addons.create_draft("addon-storage")

    first = stigg_client.v1.addons.archive("addon-storage").data
    second = stigg_client.v1.addons.archive("addon-storage").data

    assert (first.status, first.version_number) == ("ARCHIVED", 2)
    assert second == first
    assert versions_of("addon-storage") == [
        (1, "ARCHIVED", True, "Addon-Storage"),
        (2, "ARCHIVED", False, "Addon-Storage"),
    ]


# Versions


def test_publish_new_draft_and_publish_again_numbers_the_versions(stigg_client: stigg.Stigg, product: Product) -> None:
    feature_create(ref_id="feature-gb", display_name="GB", feature_type="NUMBER", now=timezone.now())
    make_addon(stigg_client, "addon-storage", max_quantity=3)
    stigg_client.v1.addons.entitlements.create(
        "addon-storage", entitlements=[{"id": "feature-gb", "type": "FEATURE", "usage_limit": 100}]
    )

    assert stigg_client.v1.addons.publish("addon-storage", migration_type="NEW_CUSTOMERS").data.task_id is None
    version_one = stigg_client.v1.addons.retrieve("addon-storage").data
    draft = stigg_client.v1.addons.create_draft("addon-storage").data
    stigg_client.v1.addons.update("addon-storage", display_name="Storage v2", max_quantity=9)
    stigg_client.v1.addons.publish("addon-storage", migration_type="ALL_CUSTOMERS")
    version_two = stigg_client.v1.addons.retrieve("addon-storage").data

    assert (version_one.status, version_one.version_number, version_one.is_latest) == ("PUBLISHED", 1, True)
    assert (draft.status, draft.version_number, draft.is_latest, draft.max_quantity) == ("DRAFT", 2, False, 3)
    assert [(item.id, item.type) for item in draft.entitlements] == [("feature-gb", "FEATURE")]
    assert (version_two.status, version_two.version_number, version_two.is_latest, version_two.max_quantity) == (
        "PUBLISHED",
        2,
        True,
        9,
    )
    assert versions_of("addon-storage") == [
        (1, "PUBLISHED", False, "Addon-Storage"),
        (2, "PUBLISHED", True, "Storage v2"),
    ]
    stored_one = PackageVersion.objects.get(package__ref_id="addon-storage", version_number=1)
    assert stored_one.max_quantity == 3
    assert list(stored_one.entitlements.values_list("feature__ref_id", "usage_limit")) == [("feature-gb", 100)]


def test_publishing_twice_is_a_conflict_the_second_time(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage")
    stigg_client.v1.addons.publish("addon-storage", migration_type="NEW_CUSTOMERS")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.addons.publish("addon-storage", migration_type="NEW_CUSTOMERS")

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    assert versions_of("addon-storage") == [(1, "PUBLISHED", True, "Addon-Storage")]


def test_patch_status_published_publishes_the_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage")

    addon = stigg_client.v1.addons.update("addon-storage", display_name="Storage", status="PUBLISHED").data

    assert (addon.status, addon.is_latest, addon.display_name) == ("PUBLISHED", True, "Storage")
    assert versions_of("addon-storage") == [(1, "PUBLISHED", True, "Storage")]


def test_patch_status_archived_archives(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage")

    addon = stigg_client.v1.addons.update("addon-storage", status="ARCHIVED").data

    assert addon.status == "ARCHIVED"
    assert Package.objects.get(ref_id="addon-storage").archived_at is not None


def test_patch_with_a_publish_that_fails_writes_nothing(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-base")
    make_addon(stigg_client, "addon-storage")
    stigg_client.v1.addons.update("addon-storage", dependencies=["addon-base"])
    stigg_client.v1.addons.archive("addon-base")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.addons.update("addon-storage", display_name="Changed", status="PUBLISHED")

    assert error_code(caught.value) == "CANNOT_PUBLISH"
    assert versions_of("addon-storage") == [(1, "DRAFT", False, "Addon-Storage")]


def test_patch_without_a_draft_is_a_conflict_and_writes_nothing(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage", max_quantity=2)
    stigg_client.v1.addons.publish("addon-storage", migration_type="NEW_CUSTOMERS")
    before = PackageVersion.objects.get(package__ref_id="addon-storage")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.addons.update("addon-storage", max_quantity=7)

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    after = PackageVersion.objects.get(package__ref_id="addon-storage")
    assert (after.max_quantity, after.updated_at) == (2, before.updated_at)


def test_remove_draft_restores_the_published_version(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage")
    stigg_client.v1.addons.publish("addon-storage", migration_type="NEW_CUSTOMERS")
    published = stigg_client.v1.addons.retrieve("addon-storage").data
    stigg_client.v1.addons.create_draft("addon-storage")
    stigg_client.v1.addons.update("addon-storage", max_quantity=42)

    removed = stigg_client.v1.addons.remove_draft("addon-storage").data

    assert removed.id == "addon-storage"
    assert stigg_client.v1.addons.retrieve("addon-storage").data == published
    assert versions_of("addon-storage") == [(1, "PUBLISHED", True, "Addon-Storage")]


def test_remove_draft_of_a_never_published_addon_is_refused(stigg_client: stigg.Stigg, product: Product) -> None:
    make_addon(stigg_client, "addon-storage")

    with pytest.raises(stigg.ConflictError):
        stigg_client.v1.addons.remove_draft("addon-storage")

    assert versions_of("addon-storage") == [(1, "DRAFT", False, "Addon-Storage")]


def test_max_quantity_beyond_the_column_is_refused(stigg_client: stigg.Stigg, product: Product) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        make_addon(stigg_client, "addon-storage", max_quantity=2**31)

    assert error_message(caught.value) == "maxQuantity: Ensure this value is less than or equal to 2147483647."
    assert Package.objects.count() == 0
