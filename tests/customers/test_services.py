"""Customer services and selectors against the database."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.errors import CouponNotFound
from catalog.models import Coupon
from catalog.services.coupons import coupon_archive, coupon_create
from config.errors import InvalidInput
from customers import services
from customers.errors import CouponNotActive, CustomerIdArchived, CustomerNotFound, DuplicateCustomerId
from customers.models import Customer, CustomerResource
from customers.selectors import customer_get, customer_list, customer_resources_list
from customers.services import (
    customer_archive,
    customer_provision,
    customer_resource_get_or_create,
    customer_unarchive,
    customer_update,
)
from subscriptions.services.cancellation import subscriptions_cancel_for_archived_customer
from tests.support.factories import make_customer, make_customer_resource

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
LATER = datetime(2024, 6, 2, 12, tzinfo=UTC)
LATEST = datetime(2024, 6, 3, 12, tzinfo=UTC)


def make_coupon(ref_id: str) -> Coupon:
    return coupon_create(ref_id=ref_id, name=ref_id.title(), percent_off=Decimal("10"), now=NOW)


# --- provision ------------------------------------------------------------------------------------------------------


def test_provision_twice_with_the_same_details_creates_once_and_changes_nothing() -> None:
    make_coupon("launch")
    details = {"name": "Acme", "email": "a@acme.test", "coupon_ref_id": "launch", "metadata": {"a": "1"}}

    first = customer_provision(ref_id="acme", now=NOW, **details)
    second = customer_provision(ref_id="acme", now=LATER, **details)

    assert second.pk == first.pk
    assert (second.created_at, second.updated_at) == (NOW, NOW)
    assert Customer.objects.count() == 1


def test_provision_treats_absent_and_empty_values_alike() -> None:
    first = customer_provision(ref_id="acme", now=NOW)
    second = customer_provision(ref_id="acme", now=LATER, metadata={}, integrations=[], coupon_ref_id="")

    assert second.pk == first.pk


def test_provision_retried_after_its_coupon_was_archived_still_returns_the_customer() -> None:
    coupon = make_coupon("launch")
    first = customer_provision(ref_id="acme", coupon_ref_id="launch", now=NOW)
    coupon_archive(coupon=coupon, now=LATER)

    second = customer_provision(ref_id="acme", coupon_ref_id="launch", now=LATEST)

    assert second.pk == first.pk


@pytest.mark.parametrize(
    "other_details",
    [
        {"name": "Acme GmbH"},
        {"name": "Acme", "metadata": {"a": "2"}},
        {"name": "Acme", "coupon_ref_id": "launch"},
        {"name": "Acme", "integrations": [{"id": "hub", "syncedEntityId": None, "vendorIdentifier": "HUBSPOT"}]},
    ],
)
def test_provision_of_a_taken_id_with_other_details_is_refused(other_details: dict) -> None:
    make_coupon("launch")
    customer_provision(ref_id="acme", name="Acme", metadata={"a": "1"}, now=NOW)

    with pytest.raises(DuplicateCustomerId):
        customer_provision(ref_id="acme", now=LATER, **other_details)

    customer = Customer.objects.get()
    assert (customer.name, customer.metadata, customer.coupon, customer.updated_at) == ("Acme", {"a": "1"}, None, NOW)


def test_provision_of_an_archived_customers_id_is_refused_even_with_the_same_details() -> None:
    customer = customer_provision(ref_id="acme", now=NOW)
    customer_archive(customer=customer, now=LATER)

    with pytest.raises(CustomerIdArchived):
        customer_provision(ref_id="acme", now=LATEST)

    assert Customer.objects.count() == 1


def test_provision_with_an_unknown_or_archived_coupon_writes_nothing() -> None:
    coupon_archive(coupon=make_coupon("old"), now=NOW)

    with pytest.raises(CouponNotFound) as unknown:
        customer_provision(ref_id="acme", coupon_ref_id="nope", now=NOW)
    with pytest.raises(CouponNotActive) as archived:
        customer_provision(ref_id="acme", coupon_ref_id="old", now=NOW)

    assert unknown.value.field == archived.value.field == "couponId"
    assert Customer.objects.count() == 0


# --- update ---------------------------------------------------------------------------------------------------------


def test_update_sets_present_fields_and_empties_collections_given_null() -> None:
    customer = customer_provision(
        ref_id="acme",
        name="Acme",
        metadata={"a": "1"},
        integrations=[{"id": "hub", "syncedEntityId": None, "vendorIdentifier": "HUBSPOT"}],
        now=NOW,
    )

    updated = customer_update(
        customer=customer, changes={"metadata": None, "integrations": None, "language": "fr"}, now=LATER
    )

    assert (updated.name, updated.metadata, updated.integrations, updated.language) == ("Acme", {}, [], "fr")
    assert updated.updated_at == LATER


def test_update_of_a_customer_archived_meanwhile_is_not_found_and_changes_nothing() -> None:
    customer = customer_provision(ref_id="acme", now=NOW)
    customer_archive(customer=Customer.objects.get(pk=customer.pk), now=LATER)

    with pytest.raises(CustomerNotFound):
        customer_update(customer=customer, changes={"language": "fr"}, now=LATEST)

    assert Customer.objects.get().language is None


def test_update_refuses_fields_it_does_not_know() -> None:
    customer = customer_provision(ref_id="acme", now=NOW)

    with pytest.raises(ValueError, match="default_payment_method"):
        customer_update(customer=customer, changes={"default_payment_method": None}, now=LATER)


# --- archive and unarchive ------------------------------------------------------------------------------------------


def test_archive_clears_personal_data_once_and_runs_each_registered_cascade_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook_calls: list[tuple[str, str, datetime]] = []
    monkeypatch.setattr(services, "_archive_cascades", {})
    services.register_archive_cascade(
        "first", lambda *, customer, now: hook_calls.append(("first", customer.ref_id, now))
    )
    services.register_archive_cascade(
        "second", lambda *, customer, now: hook_calls.append(("second", customer.ref_id, now))
    )
    customer = customer_provision(ref_id="acme", name="Acme", email="a@acme.test", billing_id="cus_1", now=NOW)

    archived = customer_archive(customer=customer, now=LATER)
    again = customer_archive(customer=customer, now=LATEST)

    assert (archived.name, archived.email, archived.billing_id) == (None, None, "cus_1")
    assert (again.archived_at, again.updated_at) == (LATER, LATER)
    assert hook_calls == [("first", "acme", LATER), ("second", "acme", LATER)]


def test_the_subscriptions_app_registers_its_cancellation_as_the_archive_cascade() -> None:
    assert services._archive_cascades == {"subscriptions": subscriptions_cancel_for_archived_customer}


def test_unarchive_restores_visibility_but_not_the_cleared_data_and_is_idempotent() -> None:
    customer = customer_provision(ref_id="acme", name="Acme", now=NOW)
    customer_archive(customer=customer, now=LATER)

    unarchived = customer_unarchive(customer=customer, now=LATEST)
    again = customer_unarchive(customer=customer, now=datetime(2024, 7, 1, tzinfo=UTC))

    assert (unarchived.archived_at, unarchived.name, unarchived.updated_at) == (None, None, LATEST)
    assert again.updated_at == LATEST
    assert customer_get("acme").pk == customer.pk


# --- resources ------------------------------------------------------------------------------------------------------


def test_resource_get_or_create_twice_creates_once() -> None:
    customer = make_customer()

    first = customer_resource_get_or_create(customer=customer, ref_id="site-1", now=NOW)
    second = customer_resource_get_or_create(customer=customer, ref_id="site-1", now=LATER)

    assert second.pk == first.pk
    assert (second.created_at, second.updated_at) == (NOW, NOW)
    assert CustomerResource.objects.count() == 1


def test_resource_ids_are_scoped_to_their_customer() -> None:
    acme, other = make_customer(), make_customer()

    customer_resource_get_or_create(customer=acme, ref_id="site-1", now=NOW)
    customer_resource_get_or_create(customer=other, ref_id="site-1", now=NOW)

    assert list(customer_resources_list(acme).values_list("ref_id", flat=True)) == ["site-1"]
    assert CustomerResource.objects.count() == 2


def test_resource_with_an_invalid_id_is_refused_and_writes_nothing() -> None:
    customer = make_customer()

    with pytest.raises(InvalidInput) as caught:
        customer_resource_get_or_create(customer=customer, ref_id="a b", now=NOW)

    assert caught.value.field == "resourceId"
    assert CustomerResource.objects.count() == 0


# --- selectors ------------------------------------------------------------------------------------------------------


def test_customer_get_hides_archived_customers_unless_asked() -> None:
    customer = make_customer(ref_id="acme", archived_at=NOW)

    with pytest.raises(CustomerNotFound):
        customer_get("acme")

    assert customer_get("acme", include_archived=True).pk == customer.pk


def test_customer_list_excludes_archived_and_reads_a_page_with_coupons_in_one_query() -> None:
    coupon = make_coupon("launch")
    for _ in range(3):
        make_customer(coupon=coupon)
    make_customer(archived_at=NOW)

    with CaptureQueriesContext(connection) as queries:
        coupons = [customer.coupon.ref_id for customer in customer_list()]  # type: ignore[union-attr]

    assert coupons == ["launch"] * 3
    assert len(queries) == 1


def test_customer_list_filters_exactly() -> None:
    make_customer(ref_id="a", name="Acme", email="x@acme.test", created_at=NOW)
    make_customer(ref_id="b", name="Acme", email="y@acme.test", created_at=LATER)
    make_customer(ref_id="c", name="acme", email="x@acme.test", created_at=LATER)

    def ids(**filters: object) -> list[str]:
        return sorted(customer_list(**filters).values_list("ref_id", flat=True))  # type: ignore[arg-type]

    assert ids(name="Acme") == ["a", "b"]
    assert ids(email="x@acme.test") == ["a", "c"]
    assert ids(name="Acme", created_at={"created_at__gt": NOW}) == ["b"]


def test_customer_resources_list_is_in_creation_order() -> None:
    customer = make_customer()
    for ref_id in ("z", "a", "m"):
        make_customer_resource(customer=customer, ref_id=ref_id)

    assert [resource.ref_id for resource in customer_resources_list(customer).order_by("pk")] == ["z", "a", "m"]
