"""Customers through both official SDKs: import (one and bulk), update, archive, unarchive, detach payment method."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from catalog.models import Coupon
from catalog.services.coupons import coupon_create
from customers.apis.graphql.types import customer_uuid
from customers.models import Customer
from customers.services import customer_provision
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
NOW_TEXT = "2025-03-04T05:06:07.000Z"
CARD = {"billingId": "pm_1", "cardExpiryMonth": 12, "cardExpiryYear": 2030, "cardLast4Digits": "4242", "type": "CARD"}


def node_customer(ref_id: str, **fields: object) -> dict[str, object]:
    """A customer as the Node SDK maps ``SlimCustomerFragment`` (``mapSlimCustomer``)."""
    return {
        "id": ref_id,
        "createdAt": NOW_TEXT,
        "updatedAt": NOW_TEXT,
        "metadata": {},
        "awsMarketplaceCustomerId": None,
        **fields,
    }


def python_customer(ref_id: str, **fields: object) -> dict[str, object]:
    """``SlimCustomerFragment`` as the Python SDK dumps it."""
    return {
        "id": str(customer_uuid(Customer.objects.get(ref_id=ref_id))),
        "name": None,
        "email": None,
        "createdAt": NOW_TEXT,
        "updatedAt": NOW_TEXT,
        "refId": ref_id,
        "customerId": ref_id,
        "billingId": None,
        "additionalMetaData": {},
        "awsMarketplaceCustomerId": None,
        **fields,
    }


@time_machine.travel(NOW, tick=False)
def test_node_sdk_imports_updates_archives_and_unarchives_a_customer(node_sdk: NodeSdk) -> None:
    result = node_sdk.run(
        """
        const imported = await stigg.importCustomer({customerId: 'acme', name: 'Acme', email: 'ap@acme.test',
                                                     billingId: 'cus_1', metadata: {tier: 'gold'}});
        const updated = await stigg.updateCustomer({customerId: 'acme', name: 'Acme Inc',
                                                    metadata: {tier: 'platinum'}});
        const archivedId = await stigg.archiveCustomer('acme');
        const archivedAgain = await stigg.archiveCustomer('acme');
        const unarchived = await stigg.unarchiveCustomer('acme');
        return {imported, updated, archivedId, archivedAgain, unarchived};
        """
    )
    imported = node_customer("acme", name="Acme", email="ap@acme.test", billingId="cus_1", metadata={"tier": "gold"})
    assert result == {
        "imported": imported,
        "updated": {**imported, "name": "Acme Inc", "metadata": {"tier": "platinum"}},
        "archivedId": "acme",
        "archivedAgain": "acme",
        # Archiving cleared the personal data for good (the SDK maps a null name and email to undefined).
        "unarchived": node_customer("acme", billingId="cus_1", metadata={"tier": "platinum"}),
    }
    customer = Customer.objects.get(ref_id="acme")
    assert (customer.name, customer.email, customer.billing_id, customer.archived_at, customer.metadata) == (
        None,
        None,
        "cus_1",
        None,
        {"tier": "platinum"},
    )


@time_machine.travel(NOW, tick=False)
def test_node_sdk_imports_customers_in_bulk_updates_billing_details_and_a_coupon(node_sdk: NodeSdk) -> None:
    coupon_create(ref_id="welcome", name="Welcome", percent_off=Decimal("10"), now=NOW)
    result = node_sdk.run(
        """
        const bulk = await stigg.importCustomerBulk({customers: [
          {customerId: 'bulk-1', name: 'One', email: 'one@example.test', metadata: {source: 'import'}},
          {customerId: 'bulk-2', billingId: 'cus_2'},
        ]});
        const updated = await stigg.updateCustomer({customerId: 'bulk-2', couponId: 'welcome', billingInfo: {
          currency: 'EUR', language: 'fr', timezone: 'Europe/Paris', customerName: 'Deux SAS',
          billingAddress: {addressLine1: '1 rue de la Paix', city: 'Paris', country: 'FR'},
          taxIds: [{type: 'eu_vat', value: 'FR123'}],
        }});
        return {bulk: bulk === undefined ? 'undefined' : bulk, updated};
        """
    )
    assert result == {"bulk": "undefined", "updated": node_customer("bulk-2", billingId="cus_2")}
    one, two = Customer.objects.order_by("ref_id")
    assert (one.ref_id, one.name, one.email, one.metadata) == (
        "bulk-1",
        "One",
        "one@example.test",
        {"source": "import"},
    )
    assert (two.billing_currency, two.language, two.timezone, two.coupon) == (
        "eur",
        "fr",
        "Europe/Paris",
        Coupon.objects.get(ref_id="welcome"),
    )
    assert two.passthrough == {
        "stripe": {
            "customerName": "Deux SAS",
            "taxIds": [{"type": "eu_vat", "value": "FR123"}],
            "billingAddress": {"line1": "1 rue de la Paix", "city": "Paris", "country": "FR"},
        }
    }


@time_machine.travel(NOW, tick=False)
def test_node_sdk_detaches_the_payment_method_twice(node_sdk: NodeSdk) -> None:
    customer_provision(ref_id="acme", name="Acme", default_payment_method=CARD, now=NOW)
    result = node_sdk.run(
        "return [await stigg.detachCustomerPaymentMethod('acme'), await stigg.detachCustomerPaymentMethod('acme')]"
    )
    assert result == [node_customer("acme", name="Acme")] * 2
    assert Customer.objects.get(ref_id="acme").default_payment_method is None


@time_machine.travel(NOW, tick=False)
def test_python_sdk_imports_updates_archives_unarchives_and_detaches(python_sdk: PythonSdk) -> None:
    result = python_sdk.run(
        """
result = [
    client.import_customer(generated.ImportCustomerInput(
        customer_id="acme", name="Acme", email="ap@acme.test", billing_id="cus_1",
        additional_meta_data={"tier": "gold"}, payment_method_id="pm_9")),
    client.update_customer(generated.UpdateCustomerInput(
        customer_id="acme", email="billing@acme.test", billing_id=None, should_wait_sync=True)),
    client.archive_customer(generated.ArchiveCustomerInput(customer_id="acme")),
    client.unarchive_customer(generated.UnarchiveCustomerInput(customer_id="acme")),
    client.detach_customer_payment_method(generated.DetachCustomerPaymentMethodInput(customer_id="acme")),
]
"""
    )
    imported = python_customer(
        "acme", name="Acme", email="ap@acme.test", billingId="cus_1", additionalMetaData={"tier": "gold"}
    )
    assert result == [
        {"importCustomer": imported},
        {"updateCustomer": {**imported, "email": "billing@acme.test", "billingId": None}},
        {"archiveCustomer": {"customerId": "acme"}},
        {"unarchiveCustomer": {**imported, "name": None, "email": None, "billingId": None}},
        {"detachCustomerPaymentMethod": {**imported, "name": None, "email": None, "billingId": None}},
    ]
    customer = Customer.objects.get(ref_id="acme")
    assert (customer.archived_at, customer.default_payment_method) == (None, None)


@time_machine.travel(NOW, tick=False)
def test_python_sdk_imports_customers_in_bulk_and_again_unchanged(python_sdk: PythonSdk) -> None:
    scenario = """
bulk = generated.ImportCustomerBulkInput(customers=[
    generated.ImportCustomerInput(customer_id="bulk-1", name="One", payment_method_id="pm_1"),
    generated.ImportCustomerInput(ref_id="bulk-2", email="two@example.test"),
])
result = [client.import_customer_bulk(bulk), client.import_customer_bulk(bulk)]
"""
    assert python_sdk.run(scenario) == [{"importCustomersBulk": None}] * 2
    customers = Customer.objects.order_by("ref_id").values_list("ref_id", "name", "email", "default_payment_method")
    assert list(customers) == [
        (
            "bulk-1",
            "One",
            None,
            {
                "billingId": "pm_1",
                "cardExpiryMonth": None,
                "cardExpiryYear": None,
                "cardLast4Digits": None,
                "type": None,
            },
        ),
        ("bulk-2", None, "two@example.test", None),
    ]
