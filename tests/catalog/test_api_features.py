"""Features through the official Stigg client against the live server (contract §3.6)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stigg
import time_machine
from rest_framework.test import APIClient

from catalog.models import Feature
from tests.wire_shapes import domain_error, validation_error, wire

ID_RULE = "must be 1 to 255 characters: letters, digits and _ . : @ -, starting with a letter or digit"

STORAGE_METER = {
    "aggregation": {"function": "SUM", "field": "bytes"},
    "filters": [
        {
            "conditions": [
                {"field": "region", "operation": "IN", "values": ["eu", "us"]},
                {"field": "kind", "operation": "EQUALS", "value": "upload"},
            ]
        },
        {"conditions": [{"field": "archived", "operation": "IS_NULL"}]},
    ],
}


def feature_ids(client: stigg.Stigg, **filters: Any) -> list[str]:
    return [feature.id for feature in client.v1.features.list_features(limit=100, **filters)]


def create_plan_with_entitlement(client: stigg.Stigg, feature_id: str) -> None:
    client.v1.products.create_product(id="product", display_name="Product")
    client.v1.plans.create(id="basic", display_name="Basic", product_id="product")
    client.v1.plans.entitlements.create(
        "basic", entitlements=[{"id": feature_id, "type": "FEATURE", "usage_limit": 10}]
    )


# --- create and read ---------------------------------------------------------------------------------------------


def test_create_metered_feature_returns_it_and_retrieve_reads_it_back(stigg_client: stigg.Stigg) -> None:
    created = stigg_client.v1.features.create_feature(
        id="storage",
        display_name="Storage",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        description="Bytes stored",
        feature_status="ACTIVE",
        feature_units="GB",
        feature_units_plural="GBs",
        metadata={"team": "storage"},
        meter=STORAGE_METER,  # type: ignore[arg-type]
        unit_transformation={"divide": 1000, "round": "UP", "feature_units": "GB", "feature_units_plural": "GBs"},
    )

    retrieved = stigg_client.v1.features.retrieve_feature("storage")

    expected = {
        "id": "storage",
        "displayName": "Storage",
        "description": "Bytes stored",
        "featureType": "NUMBER",
        "meterType": "INCREMENTAL",
        "featureStatus": "ACTIVE",
        "featureUnits": "GB",
        "featureUnitsPlural": "GBs",
        "metadata": {"team": "storage"},
        "enumConfiguration": None,
        "meter": STORAGE_METER,
        "unitTransformation": {"divide": 1000, "round": "UP", "featureUnits": "GB", "featureUnitsPlural": "GBs"},
        "archivedAt": None,
    }
    assert wire(created.data) == expected
    assert wire(retrieved.data) == expected
    assert retrieved.data.created_at == created.data.created_at
    assert retrieved.data.created_at.tzinfo is not None
    assert retrieved.data.created_at.utcoffset() == timedelta(0)
    assert retrieved.data.updated_at == retrieved.data.created_at
    assert retrieved.data.meter is not None
    assert retrieved.data.meter.filters[0].conditions[0].values == ["eu", "us"]
    assert Feature.objects.count() == 1


def test_create_boolean_feature_defaults(stigg_client: stigg.Stigg) -> None:
    created = stigg_client.v1.features.create_feature(id="sso", display_name="SSO", feature_type="BOOLEAN")

    assert wire(created.data) == {
        "id": "sso",
        "displayName": "SSO",
        "description": None,
        "featureType": "BOOLEAN",
        "meterType": "None",
        "featureStatus": "NEW",
        "featureUnits": None,
        "featureUnitsPlural": None,
        "metadata": {},
        "enumConfiguration": None,
        "meter": None,
        "unitTransformation": None,
        "archivedAt": None,
    }


def test_create_enum_feature_keeps_its_configuration(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.features.create_feature(
        id="region",
        display_name="Region",
        feature_type="ENUM",
        enum_configuration=[
            {"display_name": "Europe", "value": "eu"},
            {"display_name": "United States", "value": "us"},
        ],
    )

    retrieved = stigg_client.v1.features.retrieve_feature("region")

    assert retrieved.data.feature_type == "ENUM"
    assert retrieved.data.to_dict()["enumConfiguration"] == [
        {"displayName": "Europe", "value": "eu"},
        {"displayName": "United States", "value": "us"},
    ]


# --- update (PATCH) ----------------------------------------------------------------------------------------------


def test_update_changes_only_the_keys_sent(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.features.create_feature(
        id="seats",
        display_name="Seats",
        feature_type="NUMBER",
        description="People",
        feature_units="seat",
        feature_units_plural="seats",
        metadata={"a": "1", "b": "2"},
    )

    updated = stigg_client.v1.features.update_feature("seats", display_name="Team seats")

    assert updated.data.display_name == "Team seats"
    assert updated.data.description == "People"
    assert updated.data.feature_units == "seat"
    assert updated.data.feature_units_plural == "seats"
    assert updated.data.metadata == {"a": "1", "b": "2"}
    assert updated.data.updated_at > updated.data.created_at


def test_update_replaces_metadata_wholesale_and_null_clears(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.features.create_feature(
        id="seats",
        display_name="Seats",
        feature_type="NUMBER",
        description="People",
        metadata={"a": "1", "b": "2"},
        unit_transformation={"divide": 10},
    )

    updated = stigg_client.v1.features.update_feature(
        "seats",
        metadata={"c": "3"},
        description=None,  # type: ignore[arg-type]
        unit_transformation=None,
    )

    assert updated.data.metadata == {"c": "3"}
    assert updated.data.description is None
    assert updated.data.unit_transformation is None
    retrieved = stigg_client.v1.features.retrieve_feature("seats")
    assert wire(retrieved.data) == wire(updated.data)


def test_update_meter_of_metered_feature(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.features.create_feature(
        id="calls",
        display_name="Calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        meter={"aggregation": {"function": "COUNT"}, "filters": []},
    )

    updated = stigg_client.v1.features.update_feature("calls", meter=STORAGE_METER)  # type: ignore[arg-type]

    assert updated.data.to_dict()["meter"] == STORAGE_METER


def test_update_with_a_bad_meter_is_refused_and_changes_nothing(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.features.create_feature(id="sso", display_name="SSO", feature_type="BOOLEAN")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.features.update_feature(
            "sso", display_name="Renamed", meter={"aggregation": {"function": "COUNT"}, "filters": []}
        )

    assert caught.value.body == domain_error(
        "VALIDATION_ERROR", "is allowed only for metered NUMBER features (meterType other than None)", field="meter"
    )
    retrieved = stigg_client.v1.features.retrieve_feature("sso")
    assert retrieved.data.display_name == "SSO"
    assert retrieved.data.meter is None


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"meter": {"filters": []}}, {"meter.aggregation": ["This field is required."]}),
        ({"unit_transformation": {"round": "UP"}}, {"unitTransformation.divide": ["This field is required."]}),
        pytest.param(
            {"enum_configuration": [{"display_name": "Europe"}]},
            {"enumConfiguration[0].value": ["This field is required."]},
        ),
    ],
)
def test_update_with_an_incomplete_nested_object_is_400_and_changes_nothing(
    stigg_client: stigg.Stigg, changes: dict[str, Any], fields: dict[str, list[str]]
) -> None:
    """PATCH leaves absent top-level keys alone, but a nested object that is sent must be whole."""
    stigg_client.v1.features.create_feature(
        id="calls",
        display_name="Calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        meter={"aggregation": {"function": "COUNT"}, "filters": []},
    )
    before = stigg_client.v1.features.retrieve_feature("calls").data.to_dict()

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.features.update_feature("calls", display_name="Renamed", **changes)

    assert caught.value.body == validation_error(fields)
    assert stigg_client.v1.features.retrieve_feature("calls").data.to_dict() == before


# --- list: paging and filters ------------------------------------------------------------------------------------


def test_list_pages_through_more_than_one_page(stigg_client: stigg.Stigg) -> None:
    expected = [f"feature-{number:02d}" for number in range(25)]
    for ref_id in expected:
        stigg_client.v1.features.create_feature(id=ref_id, display_name=ref_id, feature_type="BOOLEAN")

    first_page = stigg_client.v1.features.list_features(limit=10)

    assert [feature.id for feature in first_page.data] == expected[:10]
    assert first_page.has_next_page() is True
    assert first_page.pagination is not None
    assert first_page.pagination.prev is None
    pages = list(first_page.iter_pages())
    assert [len(page.data) for page in pages] == [10, 10, 5]
    assert pages[-1].has_next_page() is False
    # Iterating the page follows ``pagination.next`` until it is null.
    assert [feature.id for feature in stigg_client.v1.features.list_features(limit=10)] == expected


def test_before_cursor_pages_backwards(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    expected = [f"feature-{number:02d}" for number in range(25)]
    for ref_id in expected:
        stigg_client.v1.features.create_feature(id=ref_id, display_name=ref_id, feature_type="BOOLEAN")
    first = api_client.get("/api/v1/features", {"limit": 10}).json()
    middle = api_client.get("/api/v1/features", {"limit": 10, "after": first["pagination"]["next"]}).json()
    last = api_client.get("/api/v1/features", {"limit": 10, "after": middle["pagination"]["next"]}).json()
    assert [item["id"] for item in last["data"]] == expected[20:]
    assert last["pagination"]["next"] is None

    back = api_client.get("/api/v1/features", {"limit": 10, "before": last["pagination"]["prev"]}).json()

    assert [item["id"] for item in back["data"]] == expected[10:20]
    assert back["pagination"]["prev"] is not None
    start = api_client.get("/api/v1/features", {"limit": 10, "before": back["pagination"]["prev"]}).json()
    assert [item["id"] for item in start["data"]] == expected[:10]
    assert start["pagination"]["prev"] is None
    # The client's auto-pager follows ``prev`` when the first request used ``before``.
    backwards = stigg_client.v1.features.list_features(limit=10, before=last["pagination"]["prev"])
    assert [feature.id for feature in backwards] == expected[10:20] + expected[:10]


def test_list_filters_by_type_meter_type_status_and_id(stigg_client: stigg.Stigg) -> None:
    features = stigg_client.v1.features
    features.create_feature(id="sso", display_name="SSO", feature_type="BOOLEAN", feature_status="ACTIVE")
    features.create_feature(id="seats", display_name="Seats", feature_type="NUMBER")
    features.create_feature(
        id="calls",
        display_name="Calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        feature_status="ACTIVE",
    )
    features.create_feature(id="cpu", display_name="CPU", feature_type="NUMBER", meter_type="FLUCTUATING")
    features.create_feature(
        id="region",
        display_name="Region",
        feature_type="ENUM",
        enum_configuration=[{"display_name": "Europe", "value": "eu"}],
    )

    assert feature_ids(stigg_client, feature_type=["BOOLEAN", "ENUM"]) == ["sso", "region"]
    assert feature_ids(stigg_client, feature_type=["NUMBER"]) == ["seats", "calls", "cpu"]
    assert feature_ids(stigg_client, meter_type=["None"]) == ["sso", "seats", "region"]
    assert feature_ids(stigg_client, meter_type=["INCREMENTAL", "FLUCTUATING"]) == ["calls", "cpu"]
    assert feature_ids(stigg_client, status=["ACTIVE"]) == ["sso", "calls"]
    assert feature_ids(stigg_client, status=["NEW", "SUSPENDED"]) == ["seats", "cpu", "region"]
    assert feature_ids(stigg_client, feature_type=["NUMBER"], status=["NEW"]) == ["seats", "cpu"]
    assert feature_ids(stigg_client, id="calls") == ["calls"]
    assert feature_ids(stigg_client, id="nope") == []


def test_list_filters_by_created_at(stigg_client: stigg.Stigg) -> None:
    with time_machine.travel(datetime(2024, 1, 10, 12, 0, tzinfo=UTC), tick=True):
        stigg_client.v1.features.create_feature(id="old", display_name="Old", feature_type="BOOLEAN")
    with time_machine.travel(datetime(2024, 6, 10, 12, 0, tzinfo=UTC), tick=True):
        stigg_client.v1.features.create_feature(id="new", display_name="New", feature_type="BOOLEAN")

    assert feature_ids(stigg_client, created_at={"gte": datetime(2024, 3, 1, tzinfo=UTC)}) == ["new"]
    assert feature_ids(stigg_client, created_at={"lt": "2024-03-01T00:00:00Z"}) == ["old"]
    assert feature_ids(stigg_client, created_at={"gt": datetime(2023, 1, 1, tzinfo=UTC)}) == ["old", "new"]
    assert stigg_client.v1.features.retrieve_feature("old").data.created_at.year == 2024


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("featureType", "BOOLEAN,FOO", "unknown value(s) FOO; expected any of BOOLEAN, ENUM, NUMBER"),
        ("meterType", "METERED", "unknown value(s) METERED; expected any of FLUCTUATING, INCREMENTAL, None"),
        ("status", "DELETED", "unknown value(s) DELETED; expected any of ACTIVE, NEW, SUSPENDED"),
        ("createdAt[gte]", "yesterday", "must be an ISO-8601 datetime"),
    ],
)
def test_list_with_an_unknown_filter_value_is_400_naming_the_parameter(
    stigg_client: stigg.Stigg, name: str, value: str, message: str
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.features.list_features(extra_query={name: value})

    assert caught.value.body == domain_error("VALIDATION_ERROR", message, field=name)


# --- archive and unarchive ---------------------------------------------------------------------------------------


def test_archive_and_unarchive(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.features.create_feature(id="seats", display_name="Seats", feature_type="NUMBER")

    archived = stigg_client.v1.features.archive_feature("seats")
    archived_again = stigg_client.v1.features.archive_feature("seats")

    assert archived.data.feature_status == "SUSPENDED"
    assert archived.data.to_dict()["archivedAt"] is not None
    assert archived_again.data.to_dict() == archived.data.to_dict()
    assert feature_ids(stigg_client, status=["SUSPENDED"]) == ["seats"]

    unarchived = stigg_client.v1.features.unarchive_feature("seats")
    unarchived_again = stigg_client.v1.features.unarchive_feature("seats")

    assert unarchived.data.feature_status == "ACTIVE"
    assert unarchived.data.to_dict()["archivedAt"] is None
    assert unarchived_again.data.to_dict() == unarchived.data.to_dict()
    assert feature_ids(stigg_client, status=["SUSPENDED"]) == []
    assert Feature.objects.count() == 1


def test_feature_created_suspended_is_archived_and_can_be_unarchived(stigg_client: stigg.Stigg) -> None:
    created = stigg_client.v1.features.create_feature(
        id="legacy", display_name="Legacy", feature_type="BOOLEAN", feature_status="SUSPENDED"
    )

    assert created.data.feature_status == "SUSPENDED"
    assert created.data.to_dict()["archivedAt"] == created.data.to_dict()["createdAt"]
    unarchived = stigg_client.v1.features.unarchive_feature("legacy")
    assert unarchived.data.feature_status == "ACTIVE"
    assert unarchived.data.to_dict()["archivedAt"] is None


def test_archive_is_refused_while_a_live_plan_has_an_entitlement_on_it(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.features.create_feature(id="seats", display_name="Seats", feature_type="NUMBER")
    create_plan_with_entitlement(stigg_client, "seats")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.features.archive_feature("seats")

    assert caught.value.body == domain_error("IN_USE", "Feature seats is used by a plan or add-on that is not archived")
    assert caught.value.response.headers["x-should-retry"] == "false"
    retrieved = stigg_client.v1.features.retrieve_feature("seats")
    assert retrieved.data.feature_status == "NEW"
    assert retrieved.data.to_dict()["archivedAt"] is None

    stigg_client.v1.plans.archive("basic")
    archived = stigg_client.v1.features.archive_feature("seats")

    assert archived.data.feature_status == "SUSPENDED"


# --- errors ------------------------------------------------------------------------------------------------------


def test_duplicate_id_is_409_and_keeps_the_first(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    stigg_client.v1.features.create_feature(id="seats", display_name="Seats", feature_type="NUMBER")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.features.create_feature(id="seats", display_name="Other", feature_type="BOOLEAN")

    assert caught.value.status_code == 409
    assert caught.value.body == domain_error("DUPLICATE_ID", "Feature with id seats already exists", field="id")
    raw = api_client.post(
        "/api/v1/features", {"id": "seats", "displayName": "Other", "featureType": "BOOLEAN"}, format="json"
    )
    assert raw.status_code == 409
    assert raw["x-should-retry"] == "false"
    assert raw.json() == caught.value.body
    assert Feature.objects.count() == 1
    assert stigg_client.v1.features.retrieve_feature("seats").data.display_name == "Seats"


def test_unknown_id_is_404_on_every_operation(stigg_client: stigg.Stigg) -> None:
    features = stigg_client.v1.features
    operations = [
        lambda: features.retrieve_feature("nope"),
        lambda: features.update_feature("nope", display_name="Nope"),
        lambda: features.archive_feature("nope"),
        lambda: features.unarchive_feature("nope"),
    ]
    for operation in operations:
        with pytest.raises(stigg.NotFoundError) as caught:
            operation()
        assert caught.value.body == domain_error("FEATURE_NOT_FOUND", "Feature nope not found")
    assert Feature.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "fields"),
    [
        ({"feature_type": "FOO"}, {"featureType": ['"FOO" is not a valid choice.']}),
        ({"feature_type": "NUMBER", "meter_type": "METERED"}, {"meterType": ['"METERED" is not a valid choice.']}),
        (
            {"feature_type": "NUMBER", "feature_status": "DELETED"},
            {"featureStatus": ['"DELETED" is not a valid choice.']},
        ),
        (
            {
                "feature_type": "NUMBER",
                "meter_type": "INCREMENTAL",
                "meter": {"aggregation": {"function": "MEDIAN", "field": "x"}, "filters": []},
            },
            {"meter.aggregation.function": ['"MEDIAN" is not a valid choice.']},
        ),
        pytest.param(
            {
                "feature_type": "NUMBER",
                "meter_type": "INCREMENTAL",
                "meter": {
                    "aggregation": {"function": "COUNT"},
                    "filters": [{"conditions": [{"field": "a", "operation": "LIKE", "value": "x"}]}],
                },
            },
            {"meter.filters[0].conditions[0].operation": ['"LIKE" is not a valid choice.']},
        ),
        (
            {"feature_type": "NUMBER", "unit_transformation": {"divide": 10, "round": "NEAREST"}},
            {"unitTransformation.round": ['"NEAREST" is not a valid choice.']},
        ),
    ],
)
def test_unknown_enum_value_is_400_naming_the_field_and_writes_nothing(
    stigg_client: stigg.Stigg, arguments: dict[str, Any], fields: dict[str, list[str]]
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.features.create_feature(id="feature", display_name="Feature", **arguments)

    assert caught.value.body == validation_error(fields)
    assert Feature.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        (
            {"feature_type": "BOOLEAN", "meter": {"aggregation": {"function": "COUNT"}, "filters": []}},
            "meter",
            "is allowed only for metered NUMBER features (meterType other than None)",
        ),
        (
            {"feature_type": "NUMBER", "meter": {"aggregation": {"function": "COUNT"}, "filters": []}},
            "meter",
            "is allowed only for metered NUMBER features (meterType other than None)",
        ),
        ({"feature_type": "BOOLEAN", "meter_type": "INCREMENTAL"}, "meterType", "must be None for BOOLEAN features"),
        ({"feature_type": "ENUM"}, "enumConfiguration", "is required for ENUM features"),
        ({"feature_type": "ENUM", "enum_configuration": []}, "enumConfiguration", "is required for ENUM features"),
        (
            {
                "feature_type": "ENUM",
                "enum_configuration": [{"display_name": "A", "value": "a"}, {"display_name": "B", "value": "a"}],
            },
            "enumConfiguration",
            "values must be unique",
        ),
        (
            {"feature_type": "NUMBER", "enum_configuration": [{"display_name": "A", "value": "a"}]},
            "enumConfiguration",
            "is allowed only for ENUM features",
        ),
        (
            {
                "feature_type": "NUMBER",
                "meter_type": "INCREMENTAL",
                "meter": {"aggregation": {"function": "SUM"}, "filters": []},
            },
            "meter.aggregation.field",
            "is required for SUM",
        ),
        (
            {
                "feature_type": "NUMBER",
                "meter_type": "INCREMENTAL",
                "meter": {
                    "aggregation": {"function": "COUNT"},
                    "filters": [{"conditions": [{"field": "region", "operation": "IN"}]}],
                },
            },
            "meter.filters[0].conditions[0].values",
            "is required for IN",
        ),
        (
            {"feature_type": "BOOLEAN", "unit_transformation": {"divide": 10}},
            "unitTransformation",
            "is allowed only for NUMBER features",
        ),
        (
            {"feature_type": "NUMBER", "unit_transformation": {"divide": 0}},
            "unitTransformation.divide",
            "must be greater than 0",
        ),
    ],
)
def test_inconsistent_shape_is_400_and_writes_nothing(
    stigg_client: stigg.Stigg, arguments: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.features.create_feature(id="feature", display_name="Feature", **arguments)

    assert caught.value.body == domain_error("VALIDATION_ERROR", message, field=field)
    assert Feature.objects.count() == 0


def test_missing_required_fields_are_400(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.features.create_feature(id="feature", display_name=None, feature_type=None)  # type: ignore[arg-type]

    assert caught.value.body == validation_error(
        {"displayName": ["This field may not be null."], "featureType": ["This field may not be null."]}
    )
    assert Feature.objects.count() == 0


@pytest.mark.parametrize("ref_id", ["two words", "a/b", "", "-leading-dash"])
def test_invalid_id_is_400_and_writes_nothing(stigg_client: stigg.Stigg, ref_id: str) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.features.create_feature(id=ref_id, display_name="Feature", feature_type="BOOLEAN")

    if ref_id:
        assert caught.value.body == domain_error("VALIDATION_ERROR", ID_RULE, field="id")
    else:
        assert caught.value.body == validation_error({"id": ["This field may not be blank."]})
    assert Feature.objects.count() == 0


def test_id_with_a_slash_cannot_be_addressed(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.features.retrieve_feature("a/b")

    assert caught.value.body == domain_error("NOT_FOUND", "No route for GET /api/v1/features/a/b")


def test_over_long_units_are_400_and_write_nothing(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.features.create_feature(
            id="seats", display_name="Seats", feature_type="NUMBER", feature_units="x" * 101
        )

    assert caught.value.body == validation_error(
        {"featureUnits": ["Ensure this field has no more than 100 characters."]}
    )
    assert Feature.objects.count() == 0


def test_malformed_json_body_is_400_and_changes_nothing(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    stigg_client.v1.features.create_feature(id="seats", display_name="Seats", feature_type="NUMBER")

    response = api_client.patch("/api/v1/features/seats", data='{"displayName": "X",', content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "MALFORMED_REQUEST"
    assert body["error"]["message"].startswith("Malformed JSON body: ")
    assert body["error"]["details"] == {}
    assert stigg_client.v1.features.retrieve_feature("seats").data.display_name == "Seats"
