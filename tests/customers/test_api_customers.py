"""Customers C1 to C7 through the official Stigg client against the live server (contract §3.1)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.services.coupons import coupon_archive, coupon_create
from customers.models import Customer, CustomerResource
from customers.services import customer_resource_get_or_create
from tests.wire_shapes import domain_error, validation_error, wire

ID_RULE = "must be 1 to 255 characters: letters, digits and _ . : @ -, starting with a letter or digit"

FULL_INPUT: dict[str, Any] = {
    "id": "acme",
    "name": "Acme Inc",
    "email": "billing@acme.test",
    "billing_id": "cus_123",
    "billing_currency": "eur",
    "coupon_id": "launch",
    "language": "de",
    "timezone": "Europe/Berlin",
    "metadata": {"tier": "gold", "region": "eu"},
    "default_payment_method": {
        "billing_id": "pm_1",
        "card_expiry_month": 12,
        "card_expiry_year": 2030,
        "card_last4_digits": "4242",
        "type": "CARD",
    },
    "passthrough": {
        "stripe": {
            "billing_address": {"city": "Berlin", "country": "DE", "line1": "Street 1", "postal_code": "10115"},
            "customer_name": "Acme Incorporated",
            "invoice_custom_fields": {"po": "42"},
            "metadata": {"source": "signup"},
            "payment_method_id": "pm_1",
            "tax_ids": [{"type": "eu_vat", "value": "DE123456789"}],
        },
        "zuora": {"currency": "eur", "payment_method_id": "zpm_1"},
    },
    "integrations": [{"id": "stripe-main", "synced_entity_id": "cus_123", "vendor_identifier": "STRIPE"}],
}

FULL_WIRE: dict[str, Any] = {
    "id": "acme",
    "name": "Acme Inc",
    "email": "billing@acme.test",
    "billingId": "cus_123",
    "billingCurrency": "eur",
    "couponId": "launch",
    "language": "de",
    "timezone": "Europe/Berlin",
    "metadata": {"tier": "gold", "region": "eu"},
    "defaultPaymentMethod": {
        "billingId": "pm_1",
        "cardBrand": None,
        "cardExpiryMonth": 12,
        "cardExpiryYear": 2030,
        "cardLast4Digits": "4242",
        "type": "CARD",
        "walletType": None,
    },
    "passthrough": {
        "stripe": {
            "billingAddress": {"city": "Berlin", "country": "DE", "line1": "Street 1", "postalCode": "10115"},
            "customerName": "Acme Incorporated",
            "invoiceCustomFields": {"po": "42"},
            "metadata": {"source": "signup"},
            "paymentMethodId": "pm_1",
            "taxIds": [{"type": "eu_vat", "value": "DE123456789"}],
        },
        "zuora": {"currency": "eur", "paymentMethodId": "zpm_1"},
    },
    "integrations": [{"id": "stripe-main", "syncedEntityId": "cus_123", "vendorIdentifier": "STRIPE"}],
    "archivedAt": None,
}

EMPTY_WIRE: dict[str, Any] = {
    "name": None,
    "email": None,
    "billingId": None,
    "billingCurrency": None,
    "couponId": None,
    "language": None,
    "timezone": None,
    "metadata": {},
    "defaultPaymentMethod": None,
    "passthrough": None,
    "integrations": [],
    "archivedAt": None,
}


def make_coupon(ref_id: str, *, archived: bool = False) -> None:
    coupon = coupon_create(ref_id=ref_id, name=ref_id.title(), percent_off=Decimal("10"), now=timezone.now())
    if archived:
        coupon_archive(coupon=coupon, now=timezone.now())


def customer_ids(client: stigg.Stigg, **filters: Any) -> list[str]:
    return [customer.id for customer in client.v1.customers.list(**filters)]


# --- provision and retrieve (C1, C2) -------------------------------------------------------------------------------


def test_provision_returns_every_field_and_retrieve_reads_it_back(stigg_client: stigg.Stigg) -> None:
    make_coupon("launch")

    provisioned = stigg_client.v1.customers.provision(**FULL_INPUT)
    retrieved = stigg_client.v1.customers.retrieve("acme")

    assert wire(provisioned.data) == FULL_WIRE
    assert wire(retrieved.data) == FULL_WIRE
    assert retrieved.data.created_at == provisioned.data.created_at
    assert retrieved.data.created_at.utcoffset() == timedelta(0)
    assert retrieved.data.updated_at == retrieved.data.created_at
    assert retrieved.data.passthrough is not None
    assert retrieved.data.passthrough.stripe is not None
    assert retrieved.data.passthrough.stripe.tax_ids[0].value == "DE123456789"  # type: ignore[index]
    assert Customer.objects.count() == 1


def test_provision_with_only_an_id_stores_empty_defaults(stigg_client: stigg.Stigg) -> None:
    provisioned = stigg_client.v1.customers.provision(id="solo")

    assert wire(provisioned.data) == {"id": "solo", **EMPTY_WIRE}


def test_provision_with_an_empty_coupon_id_means_no_coupon(stigg_client: stigg.Stigg) -> None:
    provisioned = stigg_client.v1.customers.provision(id="solo", coupon_id="")

    assert provisioned.data.coupon_id is None
    assert Customer.objects.get().coupon is None


def test_provision_retried_with_the_same_body_returns_the_same_customer(stigg_client: stigg.Stigg) -> None:
    make_coupon("launch")

    first = stigg_client.v1.customers.provision(**FULL_INPUT)
    second = stigg_client.v1.customers.provision(**FULL_INPUT)

    assert second.data.to_dict() == first.data.to_dict()
    assert Customer.objects.count() == 1


def test_provision_of_a_taken_id_with_other_details_is_409_and_changes_nothing(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="acme", name="Acme")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.customers.provision(id="acme", name="Acme", email="other@acme.test")

    assert caught.value.body == domain_error(
        "DUPLICATE_ID", "Customer with id acme already exists with different details; update it instead", field="id"
    )
    assert caught.value.response.headers["x-should-retry"] == "false"
    retrieved = stigg_client.v1.customers.retrieve("acme")
    assert retrieved.data.email is None
    assert Customer.objects.count() == 1


def test_retrieve_of_an_unknown_customer_is_404(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.customers.retrieve("nobody")

    assert caught.value.body == domain_error("CUSTOMER_NOT_FOUND", "Customer nobody not found")


# --- update (C3) ----------------------------------------------------------------------------------------------------


def test_update_changes_only_the_keys_sent(stigg_client: stigg.Stigg) -> None:
    make_coupon("launch")
    stigg_client.v1.customers.provision(**FULL_INPUT)

    updated = stigg_client.v1.customers.update("acme", email="finance@acme.test")

    assert wire(updated.data) == {**FULL_WIRE, "email": "finance@acme.test"}
    assert updated.data.updated_at > updated.data.created_at
    assert wire(stigg_client.v1.customers.retrieve("acme").data) == wire(updated.data)


def test_update_with_null_clears_and_metadata_is_replaced_whole(stigg_client: stigg.Stigg) -> None:
    make_coupon("launch")
    stigg_client.v1.customers.provision(**FULL_INPUT)

    updated = stigg_client.v1.customers.update(
        "acme",
        name=None,
        billing_currency=None,
        coupon_id=None,
        metadata={"tier": "silver"},
        integrations=[],
    )

    assert wire(updated.data) == {
        **FULL_WIRE,
        "name": None,
        "billingCurrency": None,
        "couponId": None,
        "metadata": {"tier": "silver"},
        "integrations": [],
    }


@pytest.mark.parametrize("cleared", [{}, None])
def test_update_with_empty_or_null_metadata_clears_it(stigg_client: stigg.Stigg, cleared: dict | None) -> None:
    stigg_client.v1.customers.provision(id="acme", metadata={"a": "1"})

    updated = stigg_client.v1.customers.update("acme", metadata=cleared)  # type: ignore[arg-type]

    assert updated.data.metadata == {}


def test_update_applies_and_removes_a_coupon(stigg_client: stigg.Stigg) -> None:
    make_coupon("launch")
    stigg_client.v1.customers.provision(id="acme")

    applied = stigg_client.v1.customers.update("acme", coupon_id="launch")
    removed = stigg_client.v1.customers.update("acme", coupon_id="")

    assert applied.data.coupon_id == "launch"
    assert removed.data.coupon_id is None
    assert Customer.objects.get().coupon is None


def test_update_keeps_a_coupon_archived_since_it_was_applied(stigg_client: stigg.Stigg) -> None:
    make_coupon("launch")
    stigg_client.v1.customers.provision(id="acme", coupon_id="launch")
    coupon_archive(coupon=Customer.objects.get().coupon, now=timezone.now())  # type: ignore[arg-type]

    updated = stigg_client.v1.customers.update("acme", coupon_id="launch", name="Acme")

    assert updated.data.coupon_id == "launch"
    assert updated.data.name == "Acme"


def test_update_with_an_unknown_coupon_is_404_naming_it_and_changes_nothing(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="acme", name="Acme")

    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.customers.update("acme", name="Renamed", coupon_id="nope")

    assert caught.value.body == domain_error("COUPON_NOT_FOUND", "Coupon nope not found", field="couponId")
    assert stigg_client.v1.customers.retrieve("acme").data.name == "Acme"


def test_update_with_an_archived_coupon_is_400_and_changes_nothing(stigg_client: stigg.Stigg) -> None:
    make_coupon("old", archived=True)
    stigg_client.v1.customers.provision(id="acme", name="Acme")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.customers.update("acme", name="Renamed", coupon_id="old")

    assert caught.value.body == domain_error(
        "COUPON_NOT_ACTIVE", "coupon old is archived and cannot be applied", field="couponId"
    )
    retrieved = stigg_client.v1.customers.retrieve("acme")
    assert (retrieved.data.name, retrieved.data.coupon_id) == ("Acme", None)


def test_update_of_an_unknown_customer_is_404(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.customers.update("nobody", name="Nobody")

    assert caught.value.body == domain_error("CUSTOMER_NOT_FOUND", "Customer nobody not found")


# --- list (C4) ------------------------------------------------------------------------------------------------------


def test_list_pages_through_customers_filtered_by_name(stigg_client: stigg.Stigg) -> None:
    for index in range(5):
        stigg_client.v1.customers.provision(id=f"acme-{index}", name="Acme")
        stigg_client.v1.customers.provision(id=f"other-{index}", name="Other")

    first_page = stigg_client.v1.customers.list(name="Acme", limit=2)

    assert [customer.id for customer in first_page.data] == ["acme-0", "acme-1"]
    assert first_page.pagination is not None
    assert first_page.pagination.next is not None
    assert first_page.pagination.prev is None
    assert customer_ids(stigg_client, name="Acme", limit=2) == [f"acme-{index}" for index in range(5)]
    assert len(customer_ids(stigg_client, limit=3)) == 10


def test_list_filters_by_exact_email(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="a", email="team@acme.test")
    stigg_client.v1.customers.provision(id="b", email="team@acme.test.org")
    stigg_client.v1.customers.provision(id="c", email="TEAM@acme.test")

    assert customer_ids(stigg_client, email="team@acme.test") == ["a"]


def test_list_filters_by_creation_time(stigg_client: stigg.Stigg) -> None:
    for day in (1, 2, 3):
        with time_machine.travel(datetime(2024, 1, day, 12, tzinfo=UTC), tick=False):
            stigg_client.v1.customers.provision(id=f"day-{day}")

    assert customer_ids(stigg_client, created_at={"gte": datetime(2024, 1, 2, 12, tzinfo=UTC)}) == ["day-2", "day-3"]
    assert customer_ids(stigg_client, created_at={"gt": datetime(2024, 1, 1, 12), "lt": "2024-01-03T00:00:00Z"}) == [
        "day-2"
    ]


def test_list_items_are_whole_customers(stigg_client: stigg.Stigg) -> None:
    make_coupon("launch")
    stigg_client.v1.customers.provision(**FULL_INPUT)

    (listed,) = stigg_client.v1.customers.list().data

    assert wire(listed) == FULL_WIRE


# --- archive and unarchive (C5, C6) --------------------------------------------------------------------------------


def test_archive_clears_personal_data_and_hides_the_customer(stigg_client: stigg.Stigg) -> None:
    make_coupon("launch")
    stigg_client.v1.customers.provision(**FULL_INPUT)
    stigg_client.v1.customers.provision(id="other")

    with time_machine.travel(datetime(2030, 6, 1, 12, tzinfo=UTC), tick=False):
        archived = stigg_client.v1.customers.archive("acme")

    assert wire(archived.data) == {**FULL_WIRE, "name": None, "email": None, "archivedAt": "2030-06-01T12:00:00.000Z"}
    assert archived.data.updated_at == datetime(2030, 6, 1, 12, tzinfo=UTC)
    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.customers.retrieve("acme")
    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.customers.update("acme", name="Back")
    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.customers.list_resources("acme")
    assert customer_ids(stigg_client) == ["other"]


def test_archive_twice_answers_like_the_first_time(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="acme", name="Acme")

    first = stigg_client.v1.customers.archive("acme")
    second = stigg_client.v1.customers.archive("acme")

    assert second.data.to_dict() == first.data.to_dict()


def test_provisioning_an_archived_customer_id_again_is_409(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="acme", name="Acme")
    stigg_client.v1.customers.archive("acme")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.customers.provision(id="acme", name="Acme")

    assert caught.value.body == domain_error(
        "CUSTOMER_ID_ARCHIVED",
        "Customer id acme belongs to an archived customer and cannot be reused; unarchive it instead",
        field="id",
    )
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert Customer.objects.count() == 1


def test_unarchive_makes_the_customer_visible_again(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="acme", name="Acme", metadata={"a": "1"})
    stigg_client.v1.customers.archive("acme")

    unarchived = stigg_client.v1.customers.unarchive("acme")
    again = stigg_client.v1.customers.unarchive("acme")

    assert wire(unarchived.data) == {**EMPTY_WIRE, "id": "acme", "metadata": {"a": "1"}}
    assert again.data.to_dict() == unarchived.data.to_dict()
    assert stigg_client.v1.customers.retrieve("acme").data.archived_at is None
    assert customer_ids(stigg_client) == ["acme"]


@pytest.mark.parametrize("action", ["archive", "unarchive"])
def test_archive_and_unarchive_of_an_unknown_customer_are_404(stigg_client: stigg.Stigg, action: str) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        getattr(stigg_client.v1.customers, action)("nobody")

    assert caught.value.body == domain_error("CUSTOMER_NOT_FOUND", "Customer nobody not found")


# --- resources (C7) -------------------------------------------------------------------------------------------------


def test_resources_list_pages_through_the_customers_resources(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="acme")
    stigg_client.v1.customers.provision(id="other")
    acme, other = Customer.objects.order_by("pk")
    created_at = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    for index in range(3):
        customer_resource_get_or_create(customer=acme, ref_id=f"site-{index}", now=created_at)
    customer_resource_get_or_create(customer=other, ref_id="site-9", now=created_at)

    first_page = stigg_client.v1.customers.list_resources("acme", limit=2)
    every_resource = list(stigg_client.v1.customers.list_resources("acme", limit=2))

    assert [resource.to_dict() for resource in first_page.data] == [
        {"id": "site-0", "createdAt": "2024-03-01T09:30:00.000Z", "updatedAt": "2024-03-01T09:30:00.000Z"},
        {"id": "site-1", "createdAt": "2024-03-01T09:30:00.000Z", "updatedAt": "2024-03-01T09:30:00.000Z"},
    ]
    assert (first_page.data[0].created_at, first_page.data[0].updated_at) == (created_at, created_at)
    assert [resource.id for resource in every_resource] == ["site-0", "site-1", "site-2"]


def test_resources_of_a_customer_without_any_is_an_empty_page(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="acme")

    page = stigg_client.v1.customers.list_resources("acme")

    assert page.data == []
    assert page.pagination is not None
    assert (page.pagination.next, page.pagination.prev) == (None, None)


def test_resources_of_an_unknown_customer_is_404(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.customers.list_resources("nobody")

    assert caught.value.body == domain_error("CUSTOMER_NOT_FOUND", "Customer nobody not found")
    assert CustomerResource.objects.count() == 0


# --- bad input writes nothing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"id": "has space"}, domain_error("VALIDATION_ERROR", ID_RULE, field="id")),
        ({"id": "a/b"}, domain_error("VALIDATION_ERROR", ID_RULE, field="id")),
        (
            {"id": "acme", "billing_currency": "xyz"},
            validation_error({"billingCurrency": ['"xyz" is not a valid choice.']}),
        ),
        ({"id": "acme", "email": 123}, validation_error({"email": ["Not a valid string."]})),
        ({"id": "acme", "name": ["Acme"]}, validation_error({"name": ["Not a valid string."]})),
        (
            {"id": "acme", "metadata": ["not", "a", "map"]},
            validation_error({"metadata": ['Expected a dictionary of items but got type "list".']}),
        ),
        (
            {"id": "acme", "default_payment_method": {"type": "CARD"}},
            validation_error(
                {
                    "defaultPaymentMethod.billingId": ["This field is required."],
                    "defaultPaymentMethod.cardExpiryMonth": ["This field is required."],
                    "defaultPaymentMethod.cardExpiryYear": ["This field is required."],
                    "defaultPaymentMethod.cardLast4Digits": ["This field is required."],
                }
            ),
        ),
        (
            {
                "id": "acme",
                "integrations": [
                    {"id": "stripe-main", "synced_entity_id": None, "vendor_identifier": "STRIPE"},
                    {"id": "stripe-main", "synced_entity_id": "cus_2", "vendor_identifier": "STRIPE"},
                ],
            },
            domain_error("VALIDATION_ERROR", "links the same integration twice", field="integrations[1].id"),
        ),
        (
            {"id": "acme", "passthrough": {"zuora": {"currency": "xyz"}}},
            validation_error({"passthrough.zuora.currency": ['"xyz" is not a valid choice.']}),
        ),
    ],
)
def test_provision_with_bad_input_is_400_and_writes_nothing(
    stigg_client: stigg.Stigg, body: dict[str, Any], error: dict[str, Any]
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.customers.provision(**body)

    assert caught.value.body == error
    assert Customer.objects.count() == 0


def test_provision_with_an_unknown_coupon_is_404_naming_it_and_writes_nothing(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        stigg_client.v1.customers.provision(id="acme", coupon_id="nope")

    assert caught.value.body == domain_error("COUPON_NOT_FOUND", "Coupon nope not found", field="couponId")
    assert Customer.objects.count() == 0


def test_provision_with_an_archived_coupon_is_400_and_writes_nothing(stigg_client: stigg.Stigg) -> None:
    make_coupon("old", archived=True)

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.customers.provision(id="acme", coupon_id="old")

    assert caught.value.body == domain_error(
        "COUPON_NOT_ACTIVE", "coupon old is archived and cannot be applied", field="couponId"
    )
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("raw", ['{"id": "acme",', "[1, 2]", "not json"])
def test_provision_with_a_malformed_body_is_400_and_writes_nothing(api_client: APIClient, raw: str) -> None:
    response = api_client.post("/api/v1/customers", data=raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"
    assert response["x-should-retry"] == "false"
    assert Customer.objects.count() == 0


def test_provision_without_an_id_is_400_and_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/customers", data={"name": "No id"}, format="json")

    assert response.status_code == 400
    assert response.json() == validation_error({"id": ["This field is required."]})
    assert Customer.objects.count() == 0


def test_update_with_bad_input_is_400_and_changes_nothing(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.customers.provision(id="acme", name="Acme", email="a@acme.test")

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.customers.update("acme", name="Renamed", email=42)  # type: ignore[arg-type]

    assert caught.value.body == validation_error({"email": ["Not a valid string."]})
    retrieved = stigg_client.v1.customers.retrieve("acme")
    assert (retrieved.data.name, retrieved.data.email) == ("Acme", "a@acme.test")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"integrations": [None]}, "integrations[0]"),
        (
            {"passthrough": {"stripe": {"taxIds": [{"type": "eu_vat", "value": "FR1"}, None]}}},
            "passthrough.stripe.taxIds[1]",
        ),
    ],
)
def test_a_null_list_item_is_400_naming_it_and_changes_nothing(
    api_client: APIClient, body: dict[str, Any], field: str
) -> None:
    api_client.post("/api/v1/customers", data={"id": "acme", "name": "Acme"}, format="json")

    response = api_client.patch("/api/v1/customers/acme", data={"name": "Renamed", **body}, format="json")

    assert response.status_code == 400
    assert response.json() == validation_error({field: ["This field may not be null."]})
    assert Customer.objects.get().name == "Acme"


def test_update_ignores_the_provision_only_keys(api_client: APIClient) -> None:
    """``id`` and ``defaultPaymentMethod`` are not part of the update body (contract C3): they change nothing."""
    api_client.post("/api/v1/customers", data={"id": "acme"}, format="json")

    response = api_client.patch(
        "/api/v1/customers/acme",
        data={"id": "renamed", "defaultPaymentMethod": {"type": "CARD"}, "name": "Acme"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["data"]["id"] == "acme"
    assert response.json()["data"]["defaultPaymentMethod"] is None
    assert response.json()["data"]["name"] == "Acme"
