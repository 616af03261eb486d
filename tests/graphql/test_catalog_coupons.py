"""``coupons`` (GetCoupons, both SDKs) and ``createOneCoupon`` (CreateCoupon, Python SDK): REST v1's coupon list,
input validation and service; refused input is a coded error naming the field and writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Coupon
from catalog.selectors import coupon_get
from catalog.services.coupons import coupon_archive, coupon_create
from tests.graphql.catalog_builders import T0
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

CREATE = "result = client.create_coupon(generated.CreateCouponInput(**input))"


def test_python_sdk_creates_percentage_and_fixed_coupons_and_lists_the_active_ones(python_sdk: PythonSdk) -> None:
    percentage = python_sdk.run(
        CREATE,
        {
            "refId": "coupon-launch",
            "name": "Launch",
            "description": "20% off",
            "percentOff": 20,
            "durationInMonths": 3,
            "additionalMetaData": {"campaign": "spring"},
        },
    )["createOneCoupon"]
    fixed = python_sdk.run(
        CREATE,
        {"refId": "coupon-ten", "name": "Ten off", "amountsOff": [{"amount": 10.5, "currency": "EUR"}]},
    )["createOneCoupon"]
    legacy = python_sdk.run(CREATE, {"refId": "coupon-legacy", "name": "Legacy", "type": "FIXED", "discountValue": 5})[
        "createOneCoupon"
    ]
    coupon_archive(coupon=coupon_get("coupon-legacy"), now=T0)

    stored = coupon_get("coupon-launch")
    assert percentage == {
        "id": percentage["id"],
        "discountValue": 20.0,
        "percentOff": 20.0,
        "amountsOff": None,
        "type": "PERCENTAGE",
        "additionalMetaData": {"campaign": "spring"},
        "refId": "coupon-launch",
        "name": "Launch",
        "description": "20% off",
        "createdAt": stored.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "updatedAt": stored.updated_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "billingId": None,
        "billingLinkUrl": None,
        "status": "ACTIVE",
        "syncStates": [],
    }
    assert (stored.duration_in_months, stored.percent_off) == (3, Decimal("20.00"))
    assert {key: fixed[key] for key in ("discountValue", "percentOff", "amountsOff", "type")} == {
        "discountValue": 10.5,
        "percentOff": None,
        "amountsOff": [{"amount": 10.5, "currency": "EUR"}],
        "type": "FIXED",
    }
    assert (legacy["type"], legacy["amountsOff"]) == ("FIXED", [{"amount": 5.0, "currency": "USD"}])

    listed = python_sdk.run("result = client.get_coupons()")
    assert [edge["node"]["refId"] for edge in listed["coupons"]["edges"]] == ["coupon-launch", "coupon-ten"]
    assert listed["coupons"]["edges"][1]["node"] == fixed


def test_python_sdk_create_coupon_refuses_bad_input_naming_the_field_and_writes_nothing(python_sdk: PythonSdk) -> None:
    coupon_create(ref_id="coupon-taken", name="Taken", percent_off=Decimal(5), now=T0)

    both = python_sdk.error(
        CREATE,
        {"refId": "coupon-both", "name": "Both", "percentOff": 5, "amountsOff": [{"amount": 1, "currency": "USD"}]},
    )
    too_much = python_sdk.error(CREATE, {"refId": "coupon-much", "name": "Much", "percentOff": 120})
    wrong_type = python_sdk.error(CREATE, {"refId": "coupon-type", "name": "Type", "percentOff": 5, "type": "FIXED"})
    bad_id = python_sdk.error(CREATE, {"refId": "", "name": "No id", "percentOff": 5})
    taken = python_sdk.error(CREATE, {"refId": "coupon-taken", "name": "Again", "percentOff": 5})

    assert both == {"message": "percentOff: give exactly one of percentOff and amountsOff", "code": "VALIDATION_ERROR"}
    assert too_much == {"message": "percentOff: must be greater than 0 and at most 100", "code": "VALIDATION_ERROR"}
    assert wrong_type == {"message": "type: does not match the discount given (PERCENTAGE)", "code": "VALIDATION_ERROR"}
    assert bad_id == {"message": "refId: This field may not be blank.", "code": "VALIDATION_ERROR"}
    assert taken["code"] == "DUPLICATE_ID"
    assert list(Coupon.objects.values_list("ref_id", flat=True)) == ["coupon-taken"]


def test_node_sdk_get_coupons_maps_the_active_coupons(node_sdk: NodeSdk) -> None:
    coupon_create(ref_id="coupon-half", name="Half", percent_off=Decimal(50), metadata={"a": "b"}, now=T0)
    coupon_create(
        ref_id="coupon-fixed",
        name="Fixed",
        description="Five off",
        amounts_off=[{"amount": Decimal("5"), "currency": "usd"}],
        now=T0,
    )
    coupon_create(ref_id="coupon-old", name="Old", percent_off=Decimal(10), now=T0)
    coupon_archive(coupon=coupon_get("coupon-old"), now=T0)

    assert node_sdk.run("return await stigg.getCoupons()") == [
        {
            "id": "coupon-half",
            "name": "Half",
            "description": None,
            "metadata": {"a": "b"},
            "discountValue": 50,
            "percentOff": 50,
            "amountsOff": None,
        },
        {
            "id": "coupon-fixed",
            "name": "Fixed",
            "description": "Five off",
            "metadata": {},
            "discountValue": 5,
            "percentOff": None,
            "amountsOff": [{"amount": 5, "currency": "USD", "__typename": "Money"}],
        },
    ]
