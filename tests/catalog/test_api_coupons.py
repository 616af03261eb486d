"""Coupons through the official Stigg client against the live server (contract §3.9)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
import time_machine
from rest_framework.test import APIClient

from catalog.models import Coupon, CouponAmountOff
from tests.wire_shapes import domain_error, validation_error, wire

ID_RULE = "must be 1 to 255 characters: letters, digits and _ . : @ -, starting with a letter or digit"


def create_percentage(client: stigg.Stigg, ref_id: str, **overrides: Any) -> Any:
    arguments = {
        "id": ref_id,
        "name": ref_id,
        "percent_off": 10,
        "amounts_off": None,
        "description": None,
        "duration_in_months": None,
        "metadata": None,
    }
    return client.v1.coupons.create(**{**arguments, **overrides})


def create_fixed(client: stigg.Stigg, ref_id: str, **overrides: Any) -> Any:
    return create_percentage(
        client, ref_id, **{"percent_off": None, "amounts_off": [{"amount": 5, "currency": "usd"}], **overrides}
    )


def coupon_ids(client: stigg.Stigg, **filters: Any) -> list[str]:
    return [coupon.id for coupon in client.v1.coupons.list(limit=100, **filters)]


# --- create and read ---------------------------------------------------------------------------------------------


def test_create_percentage_coupon_and_retrieve_it(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    created = stigg_client.v1.coupons.create(
        id="spring",
        name="Spring sale",
        percent_off=12.5,
        amounts_off=None,
        description="Twelve and a half",
        duration_in_months=3,
        metadata={"campaign": "spring"},
    )

    retrieved = stigg_client.v1.coupons.retrieve("spring")

    expected = {
        "id": "spring",
        "name": "Spring sale",
        "description": "Twelve and a half",
        "metadata": {"campaign": "spring"},
        "type": "PERCENTAGE",
        "status": "ACTIVE",
        "source": "STIGG",
        "percentOff": 12.5,
        "amountsOff": None,
        "durationInMonths": 3,
        "billingId": None,
        "billingLinkUrl": None,
    }
    assert wire(created.data) == expected
    assert wire(retrieved.data) == expected
    assert retrieved.data.percent_off == 12.5
    assert retrieved.data.created_at == created.data.created_at
    assert retrieved.data.created_at.tzinfo is not None
    assert retrieved.data.created_at.utcoffset() == timedelta(0)
    assert retrieved.data.updated_at == retrieved.data.created_at
    raw = api_client.get("/api/v1/coupons/spring").json()["data"]
    assert type(raw["percentOff"]) is float
    assert raw["percentOff"] == 12.5
    assert type(raw["durationInMonths"]) is int


def test_create_fixed_coupon_with_amounts_in_several_currencies(
    stigg_client: stigg.Stigg, api_client: APIClient
) -> None:
    created = stigg_client.v1.coupons.create(
        id="welcome",
        name="Welcome",
        percent_off=None,
        amounts_off=[{"amount": 9.99, "currency": "usd"}, {"amount": 10, "currency": "eur"}],
        description=None,
        duration_in_months=None,
        metadata=None,
    )

    retrieved = stigg_client.v1.coupons.retrieve("welcome")

    expected = {
        "id": "welcome",
        "name": "Welcome",
        "description": None,
        "metadata": {},
        "type": "FIXED",
        "status": "ACTIVE",
        "source": "STIGG",
        "percentOff": None,
        "amountsOff": [{"amount": 9.99, "currency": "usd"}, {"amount": 10, "currency": "eur"}],
        "durationInMonths": None,
        "billingId": None,
        "billingLinkUrl": None,
    }
    assert wire(created.data) == expected
    assert wire(retrieved.data) == expected
    assert retrieved.data.amounts_off is not None
    assert [(item.amount, item.currency) for item in retrieved.data.amounts_off] == [(9.99, "usd"), (10, "eur")]
    raw = api_client.get("/api/v1/coupons/welcome").json()["data"]
    assert raw["amountsOff"] == [{"amount": 9.99, "currency": "usd"}, {"amount": 10, "currency": "eur"}]
    assert [type(item["amount"]) for item in raw["amountsOff"]] == [float, int]
    assert sorted(CouponAmountOff.objects.values_list("currency", "amount")) == [
        ("eur", Decimal("10")),
        ("usd", Decimal("9.99")),
    ]


def test_hundred_percent_is_allowed(stigg_client: stigg.Stigg) -> None:
    created = create_percentage(stigg_client, "free-forever", percent_off=100)

    assert created.data.percent_off == 100
    assert created.data.type == "PERCENTAGE"


# --- update (PATCH) ----------------------------------------------------------------------------------------------


def test_update_changes_only_the_keys_sent(stigg_client: stigg.Stigg) -> None:
    create_percentage(stigg_client, "spring", description="Spring", metadata={"a": "1", "b": "2"})

    updated = stigg_client.v1.coupons.update_coupon("spring", name="Spring sale")

    assert wire(updated.data) == {
        "id": "spring",
        "name": "Spring sale",
        "description": "Spring",
        "metadata": {"a": "1", "b": "2"},
        "type": "PERCENTAGE",
        "status": "ACTIVE",
        "source": "STIGG",
        "percentOff": 10,
        "amountsOff": None,
        "durationInMonths": None,
        "billingId": None,
        "billingLinkUrl": None,
    }
    assert updated.data.updated_at > updated.data.created_at
    assert wire(stigg_client.v1.coupons.retrieve("spring").data) == wire(updated.data)


def test_update_replaces_metadata_wholesale_and_null_clears(stigg_client: stigg.Stigg) -> None:
    create_fixed(stigg_client, "welcome", description="Welcome", metadata={"a": "1", "b": "2"})

    replaced = stigg_client.v1.coupons.update_coupon("welcome", metadata={"c": "3"}, description=None)

    assert replaced.data.metadata == {"c": "3"}
    assert replaced.data.description is None
    assert replaced.data.name == "welcome"
    cleared = stigg_client.v1.coupons.update_coupon("welcome", metadata=None)
    assert cleared.data.metadata == {}
    retrieved = stigg_client.v1.coupons.retrieve("welcome")
    assert wire(retrieved.data) == wire(cleared.data)
    # The discount itself never changes.
    assert retrieved.data.to_dict()["amountsOff"] == [{"amount": 5, "currency": "usd"}]


def test_update_ignores_the_discount_fields(stigg_client: stigg.Stigg) -> None:
    create_percentage(stigg_client, "spring")

    updated = stigg_client.v1.coupons.update_coupon("spring", name="Renamed", extra_body={"percentOff": 90})

    assert updated.data.name == "Renamed"
    assert updated.data.percent_off == 10


def test_update_with_a_null_name_is_400_and_changes_nothing(stigg_client: stigg.Stigg) -> None:
    create_percentage(stigg_client, "spring", description="Spring")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.coupons.update_coupon("spring", name=None, description="Other")  # type: ignore[arg-type]

    assert caught.value.body == validation_error({"name": ["This field may not be null."]})
    retrieved = stigg_client.v1.coupons.retrieve("spring")
    assert (retrieved.data.name, retrieved.data.description) == ("spring", "Spring")


# --- list: paging and filters ------------------------------------------------------------------------------------


def test_list_pages_through_more_than_one_page(stigg_client: stigg.Stigg) -> None:
    expected = [f"coupon-{number:02d}" for number in range(25)]
    for ref_id in expected:
        create_percentage(stigg_client, ref_id)

    first_page = stigg_client.v1.coupons.list(limit=10)

    assert [coupon.id for coupon in first_page.data] == expected[:10]
    assert first_page.has_next_page() is True
    pages = list(first_page.iter_pages())
    assert [len(page.data) for page in pages] == [10, 10, 5]
    assert pages[-1].has_next_page() is False
    assert [coupon.id for coupon in stigg_client.v1.coupons.list(limit=10)] == expected


def test_before_cursor_pages_backwards(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    expected = [f"coupon-{number:02d}" for number in range(25)]
    for ref_id in expected:
        create_percentage(stigg_client, ref_id)
    first = api_client.get("/api/v1/coupons", {"limit": 10}).json()
    middle = api_client.get("/api/v1/coupons", {"limit": 10, "after": first["pagination"]["next"]}).json()
    last = api_client.get("/api/v1/coupons", {"limit": 10, "after": middle["pagination"]["next"]}).json()
    assert [item["id"] for item in last["data"]] == expected[20:]
    assert last["pagination"]["next"] is None

    back = api_client.get("/api/v1/coupons", {"limit": 10, "before": last["pagination"]["prev"]}).json()

    assert [item["id"] for item in back["data"]] == expected[10:20]
    start = api_client.get("/api/v1/coupons", {"limit": 10, "before": back["pagination"]["prev"]}).json()
    assert [item["id"] for item in start["data"]] == expected[:10]
    assert start["pagination"]["prev"] is None
    backwards = stigg_client.v1.coupons.list(limit=10, before=last["pagination"]["prev"])
    assert [coupon.id for coupon in backwards] == expected[10:20] + expected[:10]


def test_list_filters_by_type_status_created_at_and_id(stigg_client: stigg.Stigg) -> None:
    with time_machine.travel(datetime(2024, 1, 10, 12, 0, tzinfo=UTC), tick=True):
        create_percentage(stigg_client, "old-percent")
        create_fixed(stigg_client, "old-fixed")
    with time_machine.travel(datetime(2024, 6, 10, 12, 0, tzinfo=UTC), tick=True):
        create_percentage(stigg_client, "new-percent")
        create_fixed(stigg_client, "new-fixed")
    stigg_client.v1.coupons.archive_coupon("old-fixed")

    assert coupon_ids(stigg_client) == ["old-percent", "old-fixed", "new-percent", "new-fixed"]
    assert coupon_ids(stigg_client, type="PERCENTAGE") == ["old-percent", "new-percent"]
    assert coupon_ids(stigg_client, type="FIXED") == ["old-fixed", "new-fixed"]
    assert coupon_ids(stigg_client, status=["ACTIVE"]) == ["old-percent", "new-percent", "new-fixed"]
    assert coupon_ids(stigg_client, status=["ARCHIVED"]) == ["old-fixed"]
    assert coupon_ids(stigg_client, status=["ACTIVE", "ARCHIVED"], type="FIXED") == ["old-fixed", "new-fixed"]
    assert coupon_ids(stigg_client, created_at={"gte": datetime(2024, 3, 1, tzinfo=UTC)}) == [
        "new-percent",
        "new-fixed",
    ]
    assert coupon_ids(stigg_client, created_at={"lt": "2024-03-01T00:00:00Z"}, type="FIXED") == ["old-fixed"]
    assert coupon_ids(stigg_client, id="new-fixed") == ["new-fixed"]
    assert coupon_ids(stigg_client, id="nope") == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("type", "BOTH", "unknown value BOTH; expected one of FIXED, PERCENTAGE"),
        ("type", "FIXED,PERCENTAGE", "unknown value FIXED,PERCENTAGE; expected one of FIXED, PERCENTAGE"),
        ("status", "ACTIVE,EXPIRED", "unknown value(s) EXPIRED; expected any of ACTIVE, ARCHIVED"),
        ("createdAt[gt]", "2024-13-45", "must be an ISO-8601 datetime"),
    ],
)
def test_list_with_an_invalid_filter_is_400_naming_the_parameter(
    stigg_client: stigg.Stigg, name: str, value: str, message: str
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.coupons.list(extra_query={name: value})

    assert caught.value.body == domain_error("VALIDATION_ERROR", message, field=name)


# --- archive -----------------------------------------------------------------------------------------------------


def test_archive_is_idempotent(stigg_client: stigg.Stigg) -> None:
    create_percentage(stigg_client, "spring")

    archived = stigg_client.v1.coupons.archive_coupon("spring")
    archived_again = stigg_client.v1.coupons.archive_coupon("spring")

    assert archived.data.status == "ARCHIVED"
    assert archived_again.data.to_dict() == archived.data.to_dict()
    assert stigg_client.v1.coupons.retrieve("spring").data.status == "ARCHIVED"
    assert coupon_ids(stigg_client, status=["ACTIVE"]) == []
    assert Coupon.objects.count() == 1


# --- errors ------------------------------------------------------------------------------------------------------


def test_duplicate_id_is_409_and_keeps_the_first(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    create_percentage(stigg_client, "spring")

    with pytest.raises(stigg.ConflictError) as caught:
        create_fixed(stigg_client, "spring")

    assert caught.value.body == domain_error("DUPLICATE_ID", "Coupon with id spring already exists", field="id")
    raw = api_client.post(
        "/api/v1/coupons",
        {
            "id": "spring",
            "name": "Other",
            "percentOff": 20,
            "amountsOff": None,
            "description": None,
            "durationInMonths": None,
            "metadata": None,
        },
        format="json",
    )
    assert raw.status_code == 409
    assert raw["x-should-retry"] == "false"
    assert raw.json() == caught.value.body
    assert Coupon.objects.count() == 1
    assert CouponAmountOff.objects.count() == 0
    assert stigg_client.v1.coupons.retrieve("spring").data.percent_off == 10


def test_unknown_id_is_404_on_every_operation(stigg_client: stigg.Stigg) -> None:
    coupons = stigg_client.v1.coupons
    operations = [
        lambda: coupons.retrieve("nope"),
        lambda: coupons.update_coupon("nope", name="Nope"),
        lambda: coupons.archive_coupon("nope"),
    ]
    for operation in operations:
        with pytest.raises(stigg.NotFoundError) as caught:
            operation()
        assert caught.value.body == domain_error("COUPON_NOT_FOUND", "Coupon nope not found")
    assert Coupon.objects.count() == 0


@pytest.mark.parametrize(
    ("discount", "field", "message"),
    [
        ({"percent_off": 150}, "percentOff", "must be greater than 0 and at most 100"),
        ({"percent_off": 100.01}, "percentOff", "must be greater than 0 and at most 100"),
        ({"percent_off": 0}, "percentOff", "must be greater than 0 and at most 100"),
        ({"percent_off": -5}, "percentOff", "must be greater than 0 and at most 100"),
        ({"percent_off": 12.345}, "percentOff", "may have at most two decimal places"),
        (
            {"percent_off": 10, "amounts_off": [{"amount": 5, "currency": "usd"}]},
            "percentOff",
            "give exactly one of percentOff and amountsOff",
        ),
        ({"percent_off": None, "amounts_off": None}, "percentOff", "give exactly one of percentOff and amountsOff"),
        ({"percent_off": None, "amounts_off": []}, "percentOff", "give exactly one of percentOff and amountsOff"),
        (
            {"percent_off": None, "amounts_off": [{"amount": -1, "currency": "usd"}]},
            "amountsOff[0].amount",
            "must be greater than 0",
        ),
        (
            {"percent_off": None, "amounts_off": [{"amount": 5, "currency": "usd"}, {"amount": 0, "currency": "eur"}]},
            "amountsOff[1].amount",
            "must be greater than 0",
        ),
        (
            {"percent_off": None, "amounts_off": [{"amount": 5, "currency": "usd"}, {"amount": 6, "currency": "usd"}]},
            "amountsOff[1].currency",
            "is listed twice",
        ),
        ({"duration_in_months": 0}, "durationInMonths", "must be at least 1, or null for forever"),
        ({"duration_in_months": -3}, "durationInMonths", "must be at least 1, or null for forever"),
    ],
)
def test_invalid_discount_is_400_and_writes_nothing(
    stigg_client: stigg.Stigg, discount: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        create_percentage(stigg_client, "broken", **discount)

    assert caught.value.body == domain_error("VALIDATION_ERROR", message, field=field)
    assert Coupon.objects.count() == 0
    assert CouponAmountOff.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "fields"),
    [
        pytest.param(
            {"percent_off": None, "amounts_off": [{"amount": 5, "currency": "xyz"}]},
            {"amountsOff[0].currency": ['"xyz" is not a valid choice.']},
        ),
        ({"percent_off": "lots"}, {"percentOff": ["A valid number is required."]}),
        ({"duration_in_months": 1.5}, {"durationInMonths": ["A valid integer is required."]}),
        ({"name": None}, {"name": ["This field may not be null."]}),
    ],
)
def test_malformed_fields_are_400_naming_the_field_and_write_nothing(
    stigg_client: stigg.Stigg, arguments: dict[str, Any], fields: dict[str, list[str]]
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        create_percentage(stigg_client, "broken", **arguments)

    assert caught.value.body == validation_error(fields)
    assert Coupon.objects.count() == 0


def test_duration_beyond_the_column_range_is_400_and_writes_nothing(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        create_percentage(stigg_client, "forever-ish", duration_in_months=2**31)

    assert caught.value.body == validation_error(
        {"durationInMonths": ["Ensure this value is less than or equal to 2147483647."]}
    )
    assert Coupon.objects.count() == 0


def test_every_create_key_is_required(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/coupons", {"id": "spring", "name": "Spring"}, format="json")

    assert response.status_code == 400
    assert response.json() == validation_error(
        {
            "amountsOff": ["This field is required."],
            "description": ["This field is required."],
            "durationInMonths": ["This field is required."],
            "metadata": ["This field is required."],
            "percentOff": ["This field is required."],
        }
    )
    assert Coupon.objects.count() == 0


@pytest.mark.parametrize("ref_id", ["two words", "a/b", "50%off"])
def test_invalid_id_is_400_and_writes_nothing(stigg_client: stigg.Stigg, ref_id: str) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        create_percentage(stigg_client, ref_id)

    assert caught.value.body == domain_error("VALIDATION_ERROR", ID_RULE, field="id")
    assert Coupon.objects.count() == 0


def test_malformed_json_body_is_400_and_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/coupons", data="{'id': 'spring'}", content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "MALFORMED_REQUEST"
    assert body["error"]["message"].startswith("Malformed JSON body: ")
    assert body["error"]["details"] == {}
    assert Coupon.objects.count() == 0
