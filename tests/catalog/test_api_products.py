"""Products through the official Stigg client against the live server (contract §3.5)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stigg
import time_machine
from rest_framework.test import APIClient

from catalog.models import Package, PackageVersion, Product
from tests.wire_shapes import domain_error, validation_error, wire

ID_RULE = "must be 1 to 255 characters: letters, digits and _ . : @ -, starting with a letter or digit"

DEFAULT_SETTINGS = {
    "subscriptionCancellationTime": "END_OF_BILLING_PERIOD",
    "subscriptionEndSetup": "CANCEL_SUBSCRIPTION",
    "subscriptionStartSetup": "PLAN_SELECTION",
    "downgradePlanId": None,
    "subscriptionStartPlanId": None,
    "prorateAtEndOfBillingPeriod": None,
}


def get_product(client: stigg.Stigg, ref_id: str) -> Any:
    """There is no retrieve endpoint: a product is read by listing with ``id``."""
    page = client.v1.products.list_products(id=ref_id)
    assert len(page.data) == 1
    return page.data[0]


def product_ids(client: stigg.Stigg, **filters: Any) -> list[str]:
    return [product.id for product in client.v1.products.list_products(limit=100, **filters)]


def create_product_with_plans(client: stigg.Stigg) -> None:
    client.v1.products.create_product(id="product", display_name="Product")
    client.v1.plans.create(id="free", display_name="Free", product_id="product", pricing_type="FREE")
    client.v1.plans.create(id="pro", display_name="Pro", product_id="product", pricing_type="FREE")


DOWNGRADE_SETTINGS = {
    "subscription_cancellation_time": "IMMEDIATE",
    "subscription_end_setup": "DOWNGRADE_TO_FREE",
    "subscription_start_setup": "FREE_PLAN",
    "downgrade_plan_id": "free",
    "subscription_start_plan_id": "free",
    "prorate_at_end_of_billing_period": True,
}


# --- create and read ---------------------------------------------------------------------------------------------


def test_create_returns_the_product_and_list_by_id_reads_it_back(stigg_client: stigg.Stigg) -> None:
    created = stigg_client.v1.products.create_product(
        id="analytics",
        display_name="Analytics",
        description="Dashboards",
        metadata={"team": "data"},
        multiple_subscriptions=True,
    )
    stigg_client.v1.products.create_product(id="other", display_name="Other")

    listed = get_product(stigg_client, "analytics")

    expected = {
        "id": "analytics",
        "displayName": "Analytics",
        "description": "Dashboards",
        "metadata": {"team": "data"},
        "multipleSubscriptions": True,
        "status": "PUBLISHED",
        "productSettings": DEFAULT_SETTINGS,
        "usageResetCutoffRule": {"behavior": "BILLING_PERIOD_CHANGE"},
    }
    assert wire(created.data) == expected
    assert wire(listed) == expected
    assert listed.created_at == created.data.created_at
    assert listed.created_at.tzinfo is not None
    assert listed.created_at.utcoffset() == timedelta(0)
    assert listed.updated_at == listed.created_at
    assert listed.product_settings is not None
    assert listed.product_settings.subscription_end_setup == "CANCEL_SUBSCRIPTION"


def test_create_with_only_the_required_fields(stigg_client: stigg.Stigg) -> None:
    created = stigg_client.v1.products.create_product(id="analytics", display_name="Analytics")

    assert created.data.description is None
    assert created.data.metadata == {}
    assert created.data.multiple_subscriptions is False
    assert created.data.status == "PUBLISHED"


# --- update (PATCH) ----------------------------------------------------------------------------------------------


def test_update_changes_only_the_keys_sent(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.products.create_product(
        id="analytics", display_name="Analytics", description="Dashboards", metadata={"a": "1", "b": "2"}
    )

    updated = stigg_client.v1.products.update_product("analytics", display_name="Insights")

    assert wire(updated.data) == {
        "id": "analytics",
        "displayName": "Insights",
        "description": "Dashboards",
        "metadata": {"a": "1", "b": "2"},
        "multipleSubscriptions": False,
        "status": "PUBLISHED",
        "productSettings": DEFAULT_SETTINGS,
        "usageResetCutoffRule": {"behavior": "BILLING_PERIOD_CHANGE"},
    }
    assert updated.data.updated_at > updated.data.created_at
    assert wire(get_product(stigg_client, "analytics")) == wire(updated.data)


def test_update_replaces_metadata_wholesale_and_null_clears(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.products.create_product(
        id="analytics", display_name="Analytics", description="Dashboards", metadata={"a": "1", "b": "2"}
    )

    replaced = stigg_client.v1.products.update_product(
        "analytics", metadata={"c": "3"}, description=None, multiple_subscriptions=True
    )

    assert replaced.data.metadata == {"c": "3"}
    assert replaced.data.description is None
    assert replaced.data.multiple_subscriptions is True
    cleared = stigg_client.v1.products.update_product("analytics", metadata=None)
    assert cleared.data.metadata == {}
    assert cleared.data.multiple_subscriptions is True
    assert wire(get_product(stigg_client, "analytics")) == wire(cleared.data)


def test_update_product_settings_with_downgrade_and_start_plans(stigg_client: stigg.Stigg) -> None:
    create_product_with_plans(stigg_client)

    updated = stigg_client.v1.products.update_product(
        "product",
        product_settings=DOWNGRADE_SETTINGS,  # type: ignore[arg-type]
        usage_reset_cutoff_rule={"behavior": "NEVER_RESET"},
    )

    expected_settings = {
        "subscriptionCancellationTime": "IMMEDIATE",
        "subscriptionEndSetup": "DOWNGRADE_TO_FREE",
        "subscriptionStartSetup": "FREE_PLAN",
        "downgradePlanId": "free",
        "subscriptionStartPlanId": "free",
        "prorateAtEndOfBillingPeriod": True,
    }
    assert updated.data.to_dict()["productSettings"] == expected_settings
    assert updated.data.to_dict()["usageResetCutoffRule"] == {"behavior": "NEVER_RESET"}
    assert updated.data.product_settings is not None
    assert updated.data.product_settings.downgrade_plan_id == "free"
    listed = get_product(stigg_client, "product")
    assert listed.to_dict()["productSettings"] == expected_settings
    assert listed.to_dict()["usageResetCutoffRule"] == {"behavior": "NEVER_RESET"}

    # Absent keys stay; the rule is untouched when not sent.
    renamed = stigg_client.v1.products.update_product("product", display_name="Renamed")
    assert renamed.data.to_dict()["productSettings"] == expected_settings
    assert renamed.data.to_dict()["usageResetCutoffRule"] == {"behavior": "NEVER_RESET"}


def test_update_product_settings_null_plan_ids_clear_them(stigg_client: stigg.Stigg) -> None:
    create_product_with_plans(stigg_client)
    stigg_client.v1.products.update_product("product", product_settings=DOWNGRADE_SETTINGS)  # type: ignore[arg-type]

    updated = stigg_client.v1.products.update_product(
        "product",
        product_settings={
            "subscription_cancellation_time": "END_OF_BILLING_PERIOD",
            "subscription_end_setup": "CANCEL_SUBSCRIPTION",
            "subscription_start_setup": "PLAN_SELECTION",
            "downgrade_plan_id": None,
            "subscription_start_plan_id": None,
            "prorate_at_end_of_billing_period": None,
        },
        usage_reset_cutoff_rule={"behavior": "ALWAYS_RESET"},
    )

    assert updated.data.to_dict()["productSettings"] == DEFAULT_SETTINGS
    assert updated.data.to_dict()["usageResetCutoffRule"] == {"behavior": "ALWAYS_RESET"}


@pytest.mark.parametrize(
    ("settings", "status", "body"),
    [
        (
            {**DOWNGRADE_SETTINGS, "downgrade_plan_id": None},
            400,
            domain_error(
                "VALIDATION_ERROR",
                "is required when subscriptionEndSetup is DOWNGRADE_TO_FREE",
                field="productSettings.downgradePlanId",
            ),
        ),
        (
            {**DOWNGRADE_SETTINGS, "subscription_start_plan_id": None},
            400,
            domain_error(
                "VALIDATION_ERROR",
                "is required when subscriptionStartSetup is FREE_PLAN",
                field="productSettings.subscriptionStartPlanId",
            ),
        ),
        (
            {**DOWNGRADE_SETTINGS, "downgrade_plan_id": "elsewhere"},
            400,
            domain_error(
                "VALIDATION_ERROR",
                "plan elsewhere belongs to another product",
                field="productSettings.downgradePlanId",
            ),
        ),
        (
            {**DOWNGRADE_SETTINGS, "downgrade_plan_id": "nope"},
            404,
            domain_error("PLAN_NOT_FOUND", "Plan nope not found", field="productSettings.downgradePlanId"),
        ),
        (
            {**DOWNGRADE_SETTINGS, "subscription_end_setup": "DELETE"},
            400,
            validation_error({"productSettings.subscriptionEndSetup": ['"DELETE" is not a valid choice.']}),
        ),
        (
            {"subscription_end_setup": "CANCEL_SUBSCRIPTION"},
            400,
            validation_error(
                {
                    "productSettings.subscriptionCancellationTime": ["This field is required."],
                    "productSettings.subscriptionStartSetup": ["This field is required."],
                }
            ),
        ),
    ],
)
def test_invalid_product_settings_are_refused_and_change_nothing(
    stigg_client: stigg.Stigg, settings: dict[str, Any], status: int, body: dict[str, Any]
) -> None:
    create_product_with_plans(stigg_client)
    stigg_client.v1.products.create_product(id="other", display_name="Other")
    stigg_client.v1.plans.create(id="elsewhere", display_name="Elsewhere", product_id="other")
    before = get_product(stigg_client, "product").to_dict()

    with pytest.raises(stigg.APIStatusError) as caught:
        stigg_client.v1.products.update_product(
            "product",
            display_name="Renamed",
            product_settings=settings,  # type: ignore[arg-type]
            usage_reset_cutoff_rule={"behavior": "NEVER_RESET"},
        )

    assert caught.value.status_code == status
    assert caught.value.body == body
    assert get_product(stigg_client, "product").to_dict() == before


def test_archived_plan_cannot_become_the_downgrade_plan(stigg_client: stigg.Stigg) -> None:
    create_product_with_plans(stigg_client)
    stigg_client.v1.plans.archive("free")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.products.update_product("product", product_settings=DOWNGRADE_SETTINGS)  # type: ignore[arg-type]

    assert caught.value.body == domain_error(
        "VALIDATION_ERROR", "plan free is archived", field="productSettings.downgradePlanId"
    )
    assert get_product(stigg_client, "product").to_dict()["productSettings"] == DEFAULT_SETTINGS


def test_unknown_usage_reset_behavior_is_400_naming_the_field(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.products.create_product(id="product", display_name="Product")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.products.update_product(
            "product",
            display_name="Renamed",
            usage_reset_cutoff_rule={"behavior": "SOMETIMES"},  # type: ignore[typeddict-item]
        )

    assert caught.value.body == validation_error(
        {"usageResetCutoffRule.behavior": ['"SOMETIMES" is not a valid choice.']}
    )
    listed = get_product(stigg_client, "product")
    assert listed.display_name == "Product"
    assert listed.to_dict()["usageResetCutoffRule"] == {"behavior": "BILLING_PERIOD_CHANGE"}


# --- list: paging and filters ------------------------------------------------------------------------------------


def test_list_pages_through_more_than_one_page(stigg_client: stigg.Stigg) -> None:
    expected = [f"product-{number:02d}" for number in range(25)]
    for ref_id in expected:
        stigg_client.v1.products.create_product(id=ref_id, display_name=ref_id)

    first_page = stigg_client.v1.products.list_products(limit=10)

    assert [product.id for product in first_page.data] == expected[:10]
    assert first_page.has_next_page() is True
    pages = list(first_page.iter_pages())
    assert [len(page.data) for page in pages] == [10, 10, 5]
    assert pages[-1].has_next_page() is False
    assert [product.id for product in stigg_client.v1.products.list_products(limit=10)] == expected


def test_before_cursor_pages_backwards(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    expected = [f"product-{number:02d}" for number in range(25)]
    for ref_id in expected:
        stigg_client.v1.products.create_product(id=ref_id, display_name=ref_id)
    first = api_client.get("/api/v1/products", {"limit": 10}).json()
    middle = api_client.get("/api/v1/products", {"limit": 10, "after": first["pagination"]["next"]}).json()
    last = api_client.get("/api/v1/products", {"limit": 10, "after": middle["pagination"]["next"]}).json()
    assert [item["id"] for item in last["data"]] == expected[20:]
    assert last["pagination"]["next"] is None

    back = api_client.get("/api/v1/products", {"limit": 10, "before": last["pagination"]["prev"]}).json()

    assert [item["id"] for item in back["data"]] == expected[10:20]
    start = api_client.get("/api/v1/products", {"limit": 10, "before": back["pagination"]["prev"]}).json()
    assert [item["id"] for item in start["data"]] == expected[:10]
    assert start["pagination"]["prev"] is None
    backwards = stigg_client.v1.products.list_products(limit=10, before=last["pagination"]["prev"])
    assert [product.id for product in backwards] == expected[10:20] + expected[:10]


def test_list_filters_by_status_created_at_and_id(stigg_client: stigg.Stigg) -> None:
    with time_machine.travel(datetime(2024, 1, 10, 12, 0, tzinfo=UTC), tick=True):
        stigg_client.v1.products.create_product(id="old", display_name="Old")
        stigg_client.v1.products.create_product(id="retired", display_name="Retired")
    with time_machine.travel(datetime(2024, 6, 10, 12, 0, tzinfo=UTC), tick=True):
        stigg_client.v1.products.create_product(id="new", display_name="New")
    stigg_client.v1.products.archive_product("retired")

    assert product_ids(stigg_client) == ["old", "retired", "new"]
    assert product_ids(stigg_client, status=["PUBLISHED"]) == ["old", "new"]
    assert product_ids(stigg_client, status=["ARCHIVED"]) == ["retired"]
    assert product_ids(stigg_client, status=["PUBLISHED", "ARCHIVED"]) == ["old", "retired", "new"]
    assert product_ids(stigg_client, created_at={"gte": datetime(2024, 3, 1, tzinfo=UTC)}) == ["new"]
    assert product_ids(stigg_client, created_at={"lte": "2024-03-01T00:00:00+00:00"}) == ["old", "retired"]
    assert product_ids(stigg_client, created_at={"lt": datetime(2024, 3, 1, tzinfo=UTC)}, status=["PUBLISHED"]) == [
        "old"
    ]
    assert product_ids(stigg_client, id="new") == ["new"]
    assert product_ids(stigg_client, id="nope") == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("status", "PUBLISHED,DRAFT", "unknown value(s) DRAFT; expected any of ARCHIVED, PUBLISHED"),
        ("createdAt[lt]", "soon", "must be an ISO-8601 datetime"),
        ("limit", "0", "must be between 1 and 100"),
        ("after", "not-a-cursor", "is not a valid cursor"),
    ],
)
def test_list_with_an_invalid_parameter_is_400_naming_it(
    stigg_client: stigg.Stigg, name: str, value: str, message: str
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.products.list_products(extra_query={name: value})

    assert caught.value.body == domain_error("VALIDATION_ERROR", message, field=name)


# --- archive, unarchive, duplicate -------------------------------------------------------------------------------


def test_archive_archives_the_product_and_its_plans_and_unarchive_restores_only_the_product(
    stigg_client: stigg.Stigg,
) -> None:
    create_product_with_plans(stigg_client)
    stigg_client.v1.plans.publish("pro", migration_type="NEW_CUSTOMERS")
    stigg_client.v1.addons.create(id="extra", display_name="Extra", product_id="product")

    archived = stigg_client.v1.products.archive_product("product")
    archived_again = stigg_client.v1.products.archive_product("product")

    assert archived.data.status == "ARCHIVED"
    assert archived_again.data.status == "ARCHIVED"
    assert get_product(stigg_client, "product").status == "ARCHIVED"
    assert stigg_client.v1.plans.retrieve("free").data.status == "ARCHIVED"
    assert stigg_client.v1.plans.retrieve("pro").data.status == "ARCHIVED"
    assert stigg_client.v1.addons.retrieve("extra").data.status == "ARCHIVED"
    assert set(PackageVersion.objects.values_list("status", flat=True)) == {"ARCHIVED"}

    unarchived = stigg_client.v1.products.unarchive_product("product")

    assert unarchived.data.status == "PUBLISHED"
    assert get_product(stigg_client, "product").status == "PUBLISHED"
    assert stigg_client.v1.plans.retrieve("free").data.status == "ARCHIVED"
    assert stigg_client.v1.plans.retrieve("pro").data.status == "ARCHIVED"


def test_unarchive_restores_the_start_and_downgrade_plans_the_product_needs(stigg_client: stigg.Stigg) -> None:
    create_product_with_plans(stigg_client)
    stigg_client.v1.plans.publish("free", migration_type="NEW_CUSTOMERS")
    stigg_client.v1.plans.publish("pro", migration_type="NEW_CUSTOMERS")
    stigg_client.v1.products.update_product("product", product_settings=DOWNGRADE_SETTINGS)  # type: ignore[arg-type]
    stigg_client.v1.products.archive_product("product")

    stigg_client.v1.products.unarchive_product("product")
    stigg_client.v1.products.unarchive_product("product")

    assert stigg_client.v1.plans.retrieve("free").data.status == "PUBLISHED"
    assert stigg_client.v1.plans.retrieve("pro").data.status == "ARCHIVED"
    assert dict(PackageVersion.objects.values_list("package__ref_id", "status")) == {
        "free": "PUBLISHED",
        "pro": "ARCHIVED",
    }


def test_plans_cannot_be_added_to_an_archived_product(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.products.create_product(id="product", display_name="Product")
    stigg_client.v1.products.archive_product("product")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.plans.create(id="basic", display_name="Basic", product_id="product")

    assert caught.value.body == domain_error("VALIDATION_ERROR", "product product is archived", field="productId")
    assert Package.objects.count() == 0


def test_duplicate_copies_settings_and_plans_as_drafts(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.features.create_feature(id="seats", display_name="Seats", feature_type="NUMBER")
    create_product_with_plans(stigg_client)
    stigg_client.v1.plans.entitlements.create(
        "pro", entitlements=[{"id": "seats", "type": "FEATURE", "usage_limit": 5}]
    )
    stigg_client.v1.plans.publish("pro", migration_type="NEW_CUSTOMERS")
    stigg_client.v1.products.update_product(
        "product",
        description="Original",
        metadata={"a": "1"},
        multiple_subscriptions=True,
        product_settings=DOWNGRADE_SETTINGS,  # type: ignore[arg-type]
        usage_reset_cutoff_rule={"behavior": "NEVER_RESET"},
    )

    duplicate = stigg_client.v1.products.duplicate_product("product", target_id="copy", display_name="Copy")

    assert wire(duplicate.data) == {
        "id": "copy",
        "displayName": "Copy",
        "description": "Original",
        "metadata": {"a": "1"},
        "multipleSubscriptions": True,
        "status": "PUBLISHED",
        "productSettings": {
            "subscriptionCancellationTime": "IMMEDIATE",
            "subscriptionEndSetup": "DOWNGRADE_TO_FREE",
            "subscriptionStartSetup": "FREE_PLAN",
            "downgradePlanId": "copy-free",
            "subscriptionStartPlanId": "copy-free",
            "prorateAtEndOfBillingPeriod": True,
        },
        "usageResetCutoffRule": {"behavior": "NEVER_RESET"},
    }
    assert wire(get_product(stigg_client, "copy")) == wire(duplicate.data)
    copied_pro = stigg_client.v1.plans.retrieve("copy-pro").data
    assert (copied_pro.product_id, copied_pro.status, copied_pro.version_number) == ("copy", "DRAFT", 1)
    assert [(entitlement.id, entitlement.type) for entitlement in copied_pro.entitlements] == [("seats", "FEATURE")]
    assert stigg_client.v1.plans.retrieve("copy-free").data.status == "DRAFT"
    # The source is untouched.
    assert stigg_client.v1.plans.retrieve("pro").data.status == "PUBLISHED"
    assert get_product(stigg_client, "product").display_name == "Product"


def test_duplicate_keeps_name_and_description_when_not_given(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.products.create_product(id="product", display_name="Product", description="Original")

    duplicate = stigg_client.v1.products.duplicate_product("product", target_id="copy")

    assert duplicate.data.display_name == "Product"
    assert duplicate.data.description == "Original"
    assert product_ids(stigg_client) == ["product", "copy"]


def test_duplicate_onto_a_taken_id_is_409_and_writes_nothing(stigg_client: stigg.Stigg) -> None:
    create_product_with_plans(stigg_client)
    stigg_client.v1.products.create_product(id="copy", display_name="Copy")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.products.duplicate_product("product", target_id="copy")

    assert caught.value.body == domain_error("DUPLICATE_ID", "Product with id copy already exists", field="id")
    assert product_ids(stigg_client) == ["product", "copy"]
    assert Package.objects.count() == 2


def test_duplicate_whose_plan_copy_id_is_taken_is_409_and_writes_nothing(stigg_client: stigg.Stigg) -> None:
    create_product_with_plans(stigg_client)
    stigg_client.v1.plans.create(id="copy-pro", display_name="Taken", product_id="product")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.products.duplicate_product("product", target_id="copy")

    assert caught.value.body == domain_error("DUPLICATE_ID", "Plan with id copy-pro already exists", field="id")
    assert product_ids(stigg_client) == ["product"]
    assert Package.objects.count() == 3


@pytest.mark.parametrize(
    ("target_id", "body"),
    [
        ("two words", domain_error("VALIDATION_ERROR", ID_RULE, field="id")),
        ("a/b", domain_error("VALIDATION_ERROR", ID_RULE, field="id")),
        (None, validation_error({"targetId": ["This field may not be null."]})),
    ],
)
def test_duplicate_with_an_invalid_target_id_is_400_and_writes_nothing(
    stigg_client: stigg.Stigg, target_id: str | None, body: dict[str, Any]
) -> None:
    stigg_client.v1.products.create_product(id="product", display_name="Product")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.products.duplicate_product("product", target_id=target_id)  # type: ignore[arg-type]

    assert caught.value.body == body
    assert product_ids(stigg_client) == ["product"]


# --- errors ------------------------------------------------------------------------------------------------------


def test_duplicate_id_is_409_and_keeps_the_first(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    stigg_client.v1.products.create_product(id="analytics", display_name="Analytics")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.products.create_product(id="analytics", display_name="Other")

    assert caught.value.body == domain_error("DUPLICATE_ID", "Product with id analytics already exists", field="id")
    raw = api_client.post("/api/v1/products", {"id": "analytics", "displayName": "Other"}, format="json")
    assert raw.status_code == 409
    assert raw["x-should-retry"] == "false"
    assert raw.json() == caught.value.body
    assert Product.objects.count() == 1
    assert get_product(stigg_client, "analytics").display_name == "Analytics"


def test_unknown_id_is_404_on_every_operation(stigg_client: stigg.Stigg) -> None:
    products = stigg_client.v1.products
    operations = [
        lambda: products.update_product("nope", display_name="Nope"),
        lambda: products.archive_product("nope"),
        lambda: products.unarchive_product("nope"),
        lambda: products.duplicate_product("nope", target_id="copy"),
    ]
    for operation in operations:
        with pytest.raises(stigg.NotFoundError) as caught:
            operation()
        assert caught.value.body == domain_error("PRODUCT_NOT_FOUND", "Product nope not found")
    assert Product.objects.count() == 0


@pytest.mark.parametrize("ref_id", ["two words", "a/b", "ünïcode"])
def test_invalid_id_is_400_and_writes_nothing(stigg_client: stigg.Stigg, ref_id: str) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.products.create_product(id=ref_id, display_name="Product")

    assert caught.value.body == domain_error("VALIDATION_ERROR", ID_RULE, field="id")
    assert Product.objects.count() == 0


def test_missing_display_name_is_400(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.products.create_product(id="analytics", display_name=None)  # type: ignore[arg-type]

    assert caught.value.body == validation_error({"displayName": ["This field may not be null."]})
    assert Product.objects.count() == 0


def test_over_long_display_name_is_400_and_writes_nothing(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.products.create_product(id="analytics", display_name="x" * 256)

    assert caught.value.body == validation_error(
        {"displayName": ["Ensure this field has no more than 255 characters."]}
    )
    assert Product.objects.count() == 0


def test_malformed_json_body_is_400_and_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/products", data='{"id": "analytics"', content_type="application/json")

    assert response.status_code == 400
    assert response["x-should-retry"] == "false"
    body = response.json()
    assert body["error"]["code"] == "MALFORMED_REQUEST"
    assert body["error"]["message"].startswith("Malformed JSON body: ")
    assert body["error"]["details"] == {}
    assert Product.objects.count() == 0
