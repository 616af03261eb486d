"""Plans through the official Stigg client: versions, drafts, publishing, parents, add-ons and trials (§3.7)."""

from datetime import UTC, datetime, timedelta

import pytest
import stigg
from django.utils import timezone

from catalog import enums
from catalog.models import Package, PackageEntitlement, PackageVersion, Price, Product
from catalog.services.features import feature_create
from catalog.services.packages import package_create, package_publish
from catalog.services.products import product_create
from config.ids import EXTERNAL_ID_RULE
from tests.support.api_errors import error_code, error_message

PLAN = enums.PackageKind.PLAN
ADDON = enums.PackageKind.ADDON


@pytest.fixture
def product(db: None) -> Product:
    return product_create(ref_id="product-main", display_name="Main product", now=timezone.now())


@pytest.fixture
def other_product(db: None) -> Product:
    return product_create(ref_id="product-other", display_name="Other product", now=timezone.now())


def make_plan(client: stigg.Stigg, ref_id: str, product_ref_id: str = "product-main", **fields: object) -> None:
    client.v1.plans.create(id=ref_id, display_name=ref_id.title(), product_id=product_ref_id, **fields)


def make_published_plan(client: stigg.Stigg, ref_id: str, product_ref_id: str = "product-main") -> None:
    make_plan(client, ref_id, product_ref_id)
    client.v1.plans.publish(ref_id, migration_type="NEW_CUSTOMERS")


def versions_of(ref_id: str, kind: str = PLAN) -> list[tuple[int, str, bool, str]]:
    return list(
        PackageVersion.objects.filter(package__kind=kind, package__ref_id=ref_id)
        .order_by("version_number")
        .values_list("version_number", "status", "is_latest", "display_name")
    )


# Create, retrieve, update


def test_create_returns_version_one_as_a_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    plan = stigg_client.v1.plans.create(
        id="plan-basic",
        display_name="Basic",
        product_id="product-main",
        description="The basic plan",
        metadata={"tier": "1"},
        billing_id="billing-basic",
        pricing_type="FREE",
    ).data

    assert plan.id == "plan-basic"
    assert plan.display_name == "Basic"
    assert plan.description == "The basic plan"
    assert plan.product_id == "product-main"
    assert plan.metadata == {"tier": "1"}
    assert plan.billing_id == "billing-basic"
    assert plan.pricing_type == "FREE"
    assert plan.status == "DRAFT"
    assert plan.version_number == 1
    assert plan.is_latest is False
    assert plan.entitlements == []
    assert plan.compatible_addon_ids == []
    assert plan.parent_plan_id is None
    assert plan.default_trial_config is None
    assert plan.created_at.tzinfo is not None
    assert versions_of("plan-basic") == [(1, "DRAFT", False, "Basic")]


def test_retrieve_returns_what_create_returned(stigg_client: stigg.Stigg, product: Product) -> None:
    created = stigg_client.v1.plans.create(id="plan-basic", display_name="Basic", product_id="product-main").data

    retrieved = stigg_client.v1.plans.retrieve("plan-basic").data

    assert retrieved == created


def test_retrieve_unknown_plan_is_not_found(stigg_client: stigg.Stigg, product: Product) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.plans.retrieve("plan-missing")

    assert error_code(caught.value) == "PLAN_NOT_FOUND"


def test_an_addon_id_is_not_a_plan(stigg_client: stigg.Stigg, product: Product) -> None:
    stigg_client.v1.addons.create(id="shared-id", display_name="Addon", product_id="product-main")

    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.plans.retrieve("shared-id")


def test_create_with_a_taken_id_is_a_conflict_and_writes_nothing(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-basic")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.create(id="plan-basic", display_name="Again", product_id="product-main")

    assert error_code(caught.value) == "DUPLICATE_ID"
    assert versions_of("plan-basic") == [(1, "DRAFT", False, "Plan-Basic")]


def test_create_for_an_unknown_product_is_not_found_and_writes_nothing(
    stigg_client: stigg.Stigg, product: Product
) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.plans.create(id="plan-basic", display_name="Basic", product_id="product-missing")

    assert error_code(caught.value) == "PRODUCT_NOT_FOUND"
    assert Package.objects.count() == 0


def test_create_with_an_invalid_id_is_refused(stigg_client: stigg.Stigg, product: Product) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.plans.create(id="plan basic", display_name="Basic", product_id="product-main")

    assert error_message(caught.value) == f"id: must be {EXTERNAL_ID_RULE}"
    assert Package.objects.count() == 0


def test_create_with_status_published_publishes_version_one(stigg_client: stigg.Stigg, product: Product) -> None:
    plan = stigg_client.v1.plans.create(
        id="plan-basic", display_name="Basic", product_id="product-main", status="PUBLISHED"
    ).data

    assert (plan.status, plan.version_number, plan.is_latest) == ("PUBLISHED", 1, True)
    assert versions_of("plan-basic") == [(1, "PUBLISHED", True, "Basic")]


def test_update_changes_the_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-basic", description="Old", metadata={"a": "1"})

    plan = stigg_client.v1.plans.update(
        "plan-basic", display_name="Renamed", description=None, metadata={"b": "2"}, billing_id="billing-1"
    ).data

    assert (plan.display_name, plan.description, plan.metadata, plan.billing_id) == (
        "Renamed",
        None,
        {"b": "2"},
        "billing-1",
    )
    assert (plan.status, plan.version_number) == ("DRAFT", 1)
    stored = PackageVersion.objects.get(package__ref_id="plan-basic")
    assert (stored.display_name, stored.description, stored.metadata, stored.billing_id) == (
        "Renamed",
        None,
        {"b": "2"},
        "billing-1",
    )


def test_update_leaves_absent_fields_alone(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-basic", description="Kept", metadata={"a": "1"})

    plan = stigg_client.v1.plans.update("plan-basic", display_name="Renamed").data

    assert (plan.display_name, plan.description, plan.metadata) == ("Renamed", "Kept", {"a": "1"})


# List


def test_list_pages_through_every_plan(stigg_client: stigg.Stigg, product: Product) -> None:
    now = timezone.now()
    for number in range(25):
        package_create(kind=PLAN, ref_id=f"plan-{number:02d}", product_ref_id="product-main", display_name="P", now=now)

    first_page = stigg_client.v1.plans.list(limit=10)
    page_sizes = [len(page.data) for page in first_page.iter_pages()]
    every_id = [plan.id for plan in stigg_client.v1.plans.list(limit=10)]

    assert page_sizes == [10, 10, 5]
    assert every_id == [f"plan-{number:02d}" for number in range(25)]


def test_list_filters_by_product_status_and_creation_time(
    stigg_client: stigg.Stigg, product: Product, other_product: Product
) -> None:
    early = datetime(2024, 1, 1, tzinfo=UTC)
    late = datetime(2024, 6, 1, tzinfo=UTC)
    for ref_id, product_ref_id, now in (
        ("plan-early-draft", "product-main", early),
        ("plan-late-draft", "product-main", late),
        ("plan-other", "product-other", late),
    ):
        package_create(kind=PLAN, ref_id=ref_id, product_ref_id=product_ref_id, display_name="P", now=now)
    package_create(kind=PLAN, ref_id="plan-late-published", product_ref_id="product-main", display_name="P", now=late)
    package_publish(
        package=Package.objects.get(ref_id="plan-late-published"),
        migration_type=enums.MigrationType.NEW_CUSTOMERS,
        now=late,
    )
    package_create(kind=ADDON, ref_id="addon-late", product_ref_id="product-main", display_name="A", now=late)

    def ids(**filters: object) -> list[str]:
        return [plan.id for plan in stigg_client.v1.plans.list(**filters)]  # type: ignore[arg-type]

    assert ids() == ["plan-early-draft", "plan-late-draft", "plan-other", "plan-late-published"]
    assert ids(product_id="product-other") == ["plan-other"]
    assert ids(status=["PUBLISHED"]) == ["plan-late-published"]
    assert ids(status=["DRAFT", "PUBLISHED"], product_id="product-main") == [
        "plan-early-draft",
        "plan-late-draft",
        "plan-late-published",
    ]
    assert ids(created_at={"gte": late - timedelta(days=1)}, product_id="product-main") == [
        "plan-late-draft",
        "plan-late-published",
    ]
    assert ids(created_at={"lt": late}) == ["plan-early-draft"]


def test_list_with_an_unknown_status_is_refused(stigg_client: stigg.Stigg, product: Product) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.plans.list(status=["LIVE"])  # type: ignore[list-item]

    assert error_message(caught.value) == "status: unknown value(s) LIVE; expected any of ARCHIVED, DRAFT, PUBLISHED"


# Archive


def test_archive_archives_every_version_and_is_idempotent(stigg_client: stigg.Stigg, product: Product) -> None:
    make_published_plan(stigg_client, "plan-basic")
    stigg_client.v1.plans.create_draft("plan-basic")

    first = stigg_client.v1.plans.archive("plan-basic").data
    second = stigg_client.v1.plans.archive("plan-basic").data

    assert (first.status, first.version_number) == ("ARCHIVED", 2)
    assert second == first
    assert versions_of("plan-basic") == [(1, "ARCHIVED", True, "Plan-Basic"), (2, "ARCHIVED", False, "Plan-Basic")]
    assert Package.objects.get(ref_id="plan-basic").archived_at is not None
    assert [plan.id for plan in stigg_client.v1.plans.list(status=["ARCHIVED"])] == ["plan-basic"]


def test_an_archived_plan_cannot_get_a_new_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    make_published_plan(stigg_client, "plan-basic")
    stigg_client.v1.plans.archive("plan-basic")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.create_draft("plan-basic")

    assert error_code(caught.value) == "PACKAGE_ARCHIVED"
    assert versions_of("plan-basic") == [(1, "ARCHIVED", True, "Plan-Basic")]


# Versions: draft, publish, new draft, publish


def test_publish_new_draft_and_publish_again_numbers_the_versions(stigg_client: stigg.Stigg, product: Product) -> None:
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=timezone.now())
    make_plan(stigg_client, "plan-basic", description="First")
    stigg_client.v1.plans.entitlements.create(
        "plan-basic", entitlements=[{"id": "feature-seats", "type": "FEATURE", "usage_limit": 5}]
    )

    published = stigg_client.v1.plans.publish("plan-basic", migration_type="NEW_CUSTOMERS").data
    version_one = stigg_client.v1.plans.retrieve("plan-basic").data
    stored_version_one = PackageVersion.objects.get(package__ref_id="plan-basic", version_number=1)

    assert published.task_id is None
    assert (version_one.status, version_one.version_number, version_one.is_latest) == ("PUBLISHED", 1, True)
    assert stored_version_one.published_at is not None

    draft = stigg_client.v1.plans.create_draft("plan-basic").data

    assert (draft.status, draft.version_number, draft.is_latest) == ("DRAFT", 2, False)
    assert [(item.id, item.type) for item in draft.entitlements] == [("feature-seats", "FEATURE")]
    assert (draft.display_name, draft.description) == ("Plan-Basic", "First")

    stigg_client.v1.plans.update("plan-basic", display_name="Basic v2", description="Second")
    stigg_client.v1.plans.entitlements.update("feature-seats", plan_id="plan-basic", type="FEATURE", usage_limit=10)
    stigg_client.v1.plans.publish("plan-basic", migration_type="NEW_CUSTOMERS")
    version_two = stigg_client.v1.plans.retrieve("plan-basic").data

    assert (version_two.status, version_two.version_number, version_two.is_latest) == ("PUBLISHED", 2, True)
    assert version_two.display_name == "Basic v2"
    assert versions_of("plan-basic") == [(1, "PUBLISHED", False, "Plan-Basic"), (2, "PUBLISHED", True, "Basic v2")]
    unchanged = PackageVersion.objects.get(pk=stored_version_one.pk)
    assert (unchanged.description, unchanged.published_at, unchanged.updated_at) == (
        "First",
        stored_version_one.published_at,
        stored_version_one.updated_at,
    )
    assert list(unchanged.entitlements.values_list("feature__ref_id", "usage_limit")) == [("feature-seats", 5)]
    assert list(
        PackageEntitlement.objects.filter(version__version_number=2).values_list("feature__ref_id", "usage_limit")
    ) == [("feature-seats", 10)]


def test_publish_with_all_customers_is_accepted(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-basic")

    published = stigg_client.v1.plans.publish("plan-basic", migration_type="ALL_CUSTOMERS").data

    # The id of the subscriptions app's job moving existing subscribers (tests/subscriptions/test_plan_migrations.py).
    assert published.task_id is not None and published.task_id.isdigit()
    assert versions_of("plan-basic") == [(1, "PUBLISHED", True, "Plan-Basic")]


def test_publishing_twice_is_a_conflict_the_second_time(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-basic")
    stigg_client.v1.plans.publish("plan-basic", migration_type="NEW_CUSTOMERS")
    before = PackageVersion.objects.get(package__ref_id="plan-basic")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.publish("plan-basic", migration_type="NEW_CUSTOMERS")

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    after = PackageVersion.objects.get(package__ref_id="plan-basic")
    assert (after.status, after.is_latest, after.published_at, after.updated_at) == (
        "PUBLISHED",
        True,
        before.published_at,
        before.updated_at,
    )


def test_publish_with_an_unknown_migration_type_is_refused(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-basic")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.plans.publish("plan-basic", migration_type="SOME_CUSTOMERS")  # type: ignore[arg-type]

    assert error_message(caught.value) == 'migrationType: "SOME_CUSTOMERS" is not a valid choice.'
    assert versions_of("plan-basic") == [(1, "DRAFT", False, "Plan-Basic")]


def test_create_draft_returns_the_existing_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    make_published_plan(stigg_client, "plan-basic")

    first = stigg_client.v1.plans.create_draft("plan-basic").data
    second = stigg_client.v1.plans.create_draft("plan-basic").data

    assert second == first
    assert versions_of("plan-basic") == [(1, "PUBLISHED", True, "Plan-Basic"), (2, "DRAFT", False, "Plan-Basic")]


def test_remove_draft_restores_the_published_version(stigg_client: stigg.Stigg, product: Product) -> None:
    make_published_plan(stigg_client, "plan-basic")
    published = stigg_client.v1.plans.retrieve("plan-basic").data
    stigg_client.v1.plans.create_draft("plan-basic")
    stigg_client.v1.plans.update("plan-basic", display_name="Unwanted")

    removed = stigg_client.v1.plans.remove_draft("plan-basic").data
    shown = stigg_client.v1.plans.retrieve("plan-basic").data

    assert removed.id == "plan-basic"
    assert shown == published
    assert versions_of("plan-basic") == [(1, "PUBLISHED", True, "Plan-Basic")]


def test_remove_draft_of_a_never_published_plan_is_refused(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-basic")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.remove_draft("plan-basic")

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    assert versions_of("plan-basic") == [(1, "DRAFT", False, "Plan-Basic")]


def test_remove_draft_without_a_draft_is_a_conflict(stigg_client: stigg.Stigg, product: Product) -> None:
    make_published_plan(stigg_client, "plan-basic")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.remove_draft("plan-basic")

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    assert versions_of("plan-basic") == [(1, "PUBLISHED", True, "Plan-Basic")]


# Immutability of published versions


@pytest.fixture
def published_plan_with_entitlement(stigg_client: stigg.Stigg, product: Product) -> PackageVersion:
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=timezone.now())
    feature_create(ref_id="feature-sso", display_name="SSO", feature_type="BOOLEAN", now=timezone.now())
    make_plan(stigg_client, "plan-basic")
    stigg_client.v1.plans.entitlements.create(
        "plan-basic", entitlements=[{"id": "feature-seats", "type": "FEATURE", "usage_limit": 5}]
    )
    stigg_client.v1.plans.publish("plan-basic", migration_type="NEW_CUSTOMERS")
    return PackageVersion.objects.get(package__ref_id="plan-basic")


def snapshot(version: PackageVersion) -> tuple:
    version = PackageVersion.objects.get(pk=version.pk)
    return (
        version.display_name,
        version.updated_at,
        list(version.entitlements.values_list("feature__ref_id", "usage_limit", "updated_at")),
        list(version.prices.values_list("id", flat=True)),
        PackageVersion.objects.filter(package=version.package).count(),
    )


def test_patch_without_a_draft_is_a_conflict_and_writes_nothing(
    stigg_client: stigg.Stigg, published_plan_with_entitlement: PackageVersion
) -> None:
    before = snapshot(published_plan_with_entitlement)

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.update("plan-basic", display_name="Changed")

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    assert snapshot(published_plan_with_entitlement) == before


def test_charges_without_a_draft_are_a_conflict_and_write_nothing(
    stigg_client: stigg.Stigg, published_plan_with_entitlement: PackageVersion
) -> None:
    before = snapshot(published_plan_with_entitlement)

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.update(
            "plan-basic",
            charges={
                "pricing_type": "PAID",
                "pricing_models": [
                    {
                        "billing_model": "FLAT_FEE",
                        "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 9}}],
                    }
                ],
            },
        )

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    assert snapshot(published_plan_with_entitlement) == before
    assert Price.objects.count() == 0


def test_entitlement_create_without_a_draft_is_a_conflict_and_writes_nothing(
    stigg_client: stigg.Stigg, published_plan_with_entitlement: PackageVersion
) -> None:
    before = snapshot(published_plan_with_entitlement)

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.entitlements.create("plan-basic", entitlements=[{"id": "feature-sso", "type": "FEATURE"}])

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    assert snapshot(published_plan_with_entitlement) == before


def test_entitlement_update_without_a_draft_is_a_conflict_and_writes_nothing(
    stigg_client: stigg.Stigg, published_plan_with_entitlement: PackageVersion
) -> None:
    before = snapshot(published_plan_with_entitlement)

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.entitlements.update("feature-seats", plan_id="plan-basic", type="FEATURE", usage_limit=50)

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    assert snapshot(published_plan_with_entitlement) == before


def test_entitlement_delete_without_a_draft_is_a_conflict_and_writes_nothing(
    stigg_client: stigg.Stigg, published_plan_with_entitlement: PackageVersion
) -> None:
    before = snapshot(published_plan_with_entitlement)

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.entitlements.delete("feature-seats", plan_id="plan-basic")

    assert error_code(caught.value) == "NO_DRAFT_VERSION"
    assert snapshot(published_plan_with_entitlement) == before


def test_a_conflict_is_not_retried_by_the_client(
    live_server: object, api_key: str, published_plan_with_entitlement: PackageVersion
) -> None:
    client = stigg.Stigg(api_key=api_key, base_url=live_server.url)  # type: ignore[attr-defined]

    with pytest.raises(stigg.ConflictError) as caught:
        client.v1.plans.update("plan-basic", display_name="Changed")
    client.close()

    assert caught.value.response.headers["x-should-retry"] == "false"
    assert caught.value.response.request.headers["x-stainless-retry-count"] == "0"


# Parent plans


def test_parent_plan_must_be_published_before_the_child_publishes(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-base")
    child = stigg_client.v1.plans.create(
        id="plan-pro", display_name="Pro", product_id="product-main", parent_plan_id="plan-base"
    ).data

    assert child.parent_plan_id == "plan-base"
    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.publish("plan-pro", migration_type="NEW_CUSTOMERS")
    assert error_code(caught.value) == "CANNOT_PUBLISH"
    assert error_message(caught.value) == "parentPlanId: parent plan plan-base must be published first"
    assert versions_of("plan-pro") == [(1, "DRAFT", False, "Pro")]

    stigg_client.v1.plans.publish("plan-base", migration_type="NEW_CUSTOMERS")
    stigg_client.v1.plans.publish("plan-pro", migration_type="NEW_CUSTOMERS")

    assert versions_of("plan-pro") == [(1, "PUBLISHED", True, "Pro")]


def test_parent_plan_of_another_product_is_refused(
    stigg_client: stigg.Stigg, product: Product, other_product: Product
) -> None:
    make_published_plan(stigg_client, "plan-elsewhere", "product-other")
    make_plan(stigg_client, "plan-pro")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.plans.update("plan-pro", parent_plan_id="plan-elsewhere")

    assert error_message(caught.value) == "parentPlanId: must be a plan of the same product"
    assert PackageVersion.objects.get(package__ref_id="plan-pro").parent_plan is None


def test_parent_plan_cycles_are_refused(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-a")
    make_plan(stigg_client, "plan-b", parent_plan_id="plan-a")
    make_plan(stigg_client, "plan-c", parent_plan_id="plan-b")

    with pytest.raises(stigg.BadRequestError) as cycle:
        stigg_client.v1.plans.update("plan-a", parent_plan_id="plan-c")
    with pytest.raises(stigg.BadRequestError) as itself:
        stigg_client.v1.plans.update("plan-a", parent_plan_id="plan-a")

    assert error_message(cycle.value) == "parentPlanId: would make an inheritance cycle"
    assert error_message(itself.value) == "parentPlanId: a plan cannot inherit from itself"
    assert PackageVersion.objects.get(package__ref_id="plan-a").parent_plan is None


def test_unknown_parent_plan_is_not_found_and_nothing_is_written(stigg_client: stigg.Stigg, product: Product) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        make_plan(stigg_client, "plan-pro", parent_plan_id="plan-missing")

    assert error_message(caught.value) == "parentPlanId: Plan plan-missing not found"
    assert Package.objects.count() == 0


def test_parent_plan_can_be_cleared(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-base")
    make_plan(stigg_client, "plan-pro", parent_plan_id="plan-base")

    plan = stigg_client.v1.plans.update("plan-pro", parent_plan_id=None).data

    assert plan.parent_plan_id is None


# Compatible add-ons


def test_compatible_addon_ids_round_trip(stigg_client: stigg.Stigg, product: Product) -> None:
    for ref_id in ("addon-storage", "addon-api"):
        stigg_client.v1.addons.create(id=ref_id, display_name=ref_id, product_id="product-main")
    make_plan(stigg_client, "plan-basic")

    updated = stigg_client.v1.plans.update("plan-basic", compatible_addon_ids=["addon-storage", "addon-api"]).data
    retrieved = stigg_client.v1.plans.retrieve("plan-basic").data
    cleared = stigg_client.v1.plans.update("plan-basic", compatible_addon_ids=None).data

    assert updated.compatible_addon_ids == ["addon-api", "addon-storage"]
    assert retrieved.compatible_addon_ids == ["addon-api", "addon-storage"]
    assert cleared.compatible_addon_ids == []


def test_compatible_addons_survive_a_new_draft(stigg_client: stigg.Stigg, product: Product) -> None:
    stigg_client.v1.addons.create(id="addon-storage", display_name="Storage", product_id="product-main")
    make_plan(stigg_client, "plan-basic")
    stigg_client.v1.plans.update("plan-basic", compatible_addon_ids=["addon-storage"])
    stigg_client.v1.plans.publish("plan-basic", migration_type="NEW_CUSTOMERS")

    draft = stigg_client.v1.plans.create_draft("plan-basic").data

    assert draft.compatible_addon_ids == ["addon-storage"]


def test_compatible_addon_of_another_product_or_unknown_is_refused(
    stigg_client: stigg.Stigg, product: Product, other_product: Product
) -> None:
    stigg_client.v1.addons.create(id="addon-storage", display_name="Storage", product_id="product-main")
    stigg_client.v1.addons.create(id="addon-elsewhere", display_name="Elsewhere", product_id="product-other")
    make_plan(stigg_client, "plan-basic")

    with pytest.raises(stigg.BadRequestError) as other:
        stigg_client.v1.plans.update("plan-basic", compatible_addon_ids=["addon-storage", "addon-elsewhere"])
    with pytest.raises(stigg.NotFoundError) as unknown:
        stigg_client.v1.plans.update("plan-basic", compatible_addon_ids=["addon-missing"])

    assert error_message(other.value) == "compatibleAddonIds[1]: add-on addon-elsewhere belongs to another product"
    assert error_message(unknown.value) == "compatibleAddonIds[0]: Add-on addon-missing not found"
    assert list(PackageVersion.objects.get(package__ref_id="plan-basic").compatible_addons.all()) == []


def test_plan_cannot_publish_with_an_archived_compatible_addon(stigg_client: stigg.Stigg, product: Product) -> None:
    stigg_client.v1.addons.create(id="addon-storage", display_name="Storage", product_id="product-main")
    make_plan(stigg_client, "plan-basic")
    stigg_client.v1.plans.update("plan-basic", compatible_addon_ids=["addon-storage"])
    stigg_client.v1.addons.archive("addon-storage")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.publish("plan-basic", migration_type="NEW_CUSTOMERS")

    assert error_code(caught.value) == "CANNOT_PUBLISH"
    assert versions_of("plan-basic") == [(1, "DRAFT", False, "Plan-Basic")]


# Trials and pricing type


def test_default_trial_config_round_trips_and_clears(stigg_client: stigg.Stigg, product: Product) -> None:
    created = stigg_client.v1.plans.create(
        id="plan-basic",
        display_name="Basic",
        product_id="product-main",
        default_trial_config={
            "duration": 14,
            "units": "DAY",
            "budget": {"has_soft_limit": True, "limit": 100.5},
            "trial_end_behavior": "CANCEL_SUBSCRIPTION",
        },
    ).data
    retrieved = stigg_client.v1.plans.retrieve("plan-basic").data

    trial = retrieved.default_trial_config
    assert trial is not None
    assert (trial.duration, trial.units, trial.trial_end_behavior) == (14, "DAY", "CANCEL_SUBSCRIPTION")
    assert trial.budget is not None
    assert (trial.budget.has_soft_limit, trial.budget.limit) == (True, 100.5)
    assert created.default_trial_config == trial

    updated = stigg_client.v1.plans.update("plan-basic", default_trial_config={"duration": 1, "units": "MONTH"}).data

    assert updated.default_trial_config is not None
    assert updated.default_trial_config.model_dump() == {
        "duration": 1,
        "units": "MONTH",
        "budget": None,
        "trial_end_behavior": "CONVERT_TO_PAID",
    }

    cleared = stigg_client.v1.plans.update("plan-basic", default_trial_config=None).data

    assert cleared.default_trial_config is None
    stored = PackageVersion.objects.get(package__ref_id="plan-basic")
    assert (stored.trial_duration, stored.trial_units, stored.trial_budget_limit) == (None, None, None)


@pytest.mark.parametrize(
    ("trial", "message"),
    [
        ({"duration": 0, "units": "DAY"}, "defaultTrialConfig.duration: must be a positive whole number"),
        ({"duration": 1.5, "units": "DAY"}, "defaultTrialConfig.duration: must be a positive whole number"),
        (
            {"duration": 7, "units": "DAY", "budget": {"has_soft_limit": False, "limit": -1}},
            "defaultTrialConfig.budget.limit: must be 0 or more",
        ),
        ({"duration": 7, "units": "YEAR"}, 'defaultTrialConfig.units: "YEAR" is not a valid choice.'),
    ],
)
def test_bad_trial_config_is_refused_and_nothing_is_written(
    stigg_client: stigg.Stigg, product: Product, trial: dict, message: str
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.plans.create(
            id="plan-basic",
            display_name="Basic",
            product_id="product-main",
            default_trial_config=trial,  # type: ignore[arg-type]
        )

    assert error_message(caught.value) == message
    assert Package.objects.count() == 0


def test_paid_plan_without_charges_cannot_publish(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-paid", pricing_type="PAID")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.plans.publish("plan-paid", migration_type="NEW_CUSTOMERS")

    assert error_code(caught.value) == "CANNOT_PUBLISH"
    assert error_message(caught.value) == "charges: PAID plan plan-paid has no charges"
    assert versions_of("plan-paid") == [(1, "DRAFT", False, "Plan-Paid")]


def test_paid_plan_with_charges_publishes(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-paid", pricing_type="PAID")
    stigg_client.v1.plans.update(
        "plan-paid",
        charges={
            "pricing_type": "PAID",
            "pricing_models": [
                {"billing_model": "FLAT_FEE", "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 9}}]}
            ],
        },
    )

    stigg_client.v1.plans.publish("plan-paid", migration_type="NEW_CUSTOMERS")

    assert versions_of("plan-paid") == [(1, "PUBLISHED", True, "Plan-Paid")]


def test_a_trial_beyond_the_column_is_refused(stigg_client: stigg.Stigg, product: Product) -> None:
    make_plan(stigg_client, "plan-basic")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.plans.update("plan-basic", default_trial_config={"duration": 2**31, "units": "DAY"})

    assert error_message(caught.value) == (
        "defaultTrialConfig.duration: Ensure this value is less than or equal to 2147483647."
    )
    assert PackageVersion.objects.get(package__ref_id="plan-basic").trial_duration is None


def test_create_published_paid_plan_without_charges_writes_nothing(stigg_client: stigg.Stigg, product: Product) -> None:
    with pytest.raises(stigg.ConflictError) as caught:
        make_plan(stigg_client, "plan-paid", pricing_type="PAID", status="PUBLISHED")

    assert error_code(caught.value) == "CANNOT_PUBLISH"
    assert Package.objects.count() == 0
