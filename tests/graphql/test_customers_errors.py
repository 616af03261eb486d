"""Customers through both SDKs when something is wrong: unknown customers, bad input, duplicate ids, and the
operations that need a billing integration. Every refusal is a coded GraphQL error and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from config.ids import EXTERNAL_ID_RULE
from customers.models import Customer
from customers.services import customer_archive, customer_provision
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def customers() -> list[tuple[Any, ...]]:
    return list(Customer.objects.order_by("ref_id").values_list("ref_id", "name", "email", "archived_at"))


def test_node_sdk_gets_customer_not_found_for_an_unknown_or_archived_customer(node_sdk: NodeSdk) -> None:
    archived = customer_provision(ref_id="gone", name="Gone", now=NOW)
    customer_archive(customer=archived, now=NOW)
    result = node_sdk.run(
        """
        const codes = {};
        const calls = {
          getCustomer: (id) => stigg.getCustomer(id),
          getCustomerStatistics: (id) => stigg.getCustomerStatistics(id),
          updateCustomer: (id) => stigg.updateCustomer({customerId: id, name: 'New'}),
          detachCustomerPaymentMethod: (id) => stigg.detachCustomerPaymentMethod(id),
          archiveCustomer: (id) => stigg.archiveCustomer(id),
          unarchiveCustomer: (id) => stigg.unarchiveCustomer(id),
        };
        for (const id of ['nobody', 'gone']) {
          for (const [name, call] of Object.entries(calls)) {
            if (id === 'gone' && name.endsWith('archiveCustomer')) continue;  // archived ones are found by these
            try { await call(id); codes[`${name} ${id}`] = 'no error'; }
            catch (error) { codes[`${name} ${id}`] = [error.errorCode, error.message]; }
          }
        }
        return codes;
        """
    )
    prefixes = {
        "getCustomer": "get customer",
        "getCustomerStatistics": "get customer statistics",
        "updateCustomer": "update customer",
        "detachCustomerPaymentMethod": "detach customer payment method",
        "archiveCustomer": "archive customer",
        "unarchiveCustomer": "unarchive customer",
    }
    expected = {
        f"{name} {ref_id}": ["CUSTOMER_NOT_FOUND", f"Failed to {prefix}: customerId: Customer {ref_id} not found"]
        for ref_id in ("nobody", "gone")
        for name, prefix in prefixes.items()
        if not (ref_id == "gone" and name.endswith("archiveCustomer"))
    }
    assert result == expected
    assert customers() == [("gone", None, None, NOW)]


def test_node_sdk_import_and_update_refuse_bad_input_and_write_nothing(node_sdk: NodeSdk) -> None:
    customer_provision(ref_id="acme", name="Acme", email="ap@acme.test", now=NOW)
    archived = customer_provision(ref_id="gone", now=NOW)
    customer_archive(customer=archived, now=NOW)
    result = node_sdk.run(
        """
        const outcomes = [];
        const attempts = [
          () => stigg.importCustomer({customerId: 'new', email: 'not-an-email'}),
          () => stigg.importCustomer({customerId: 'acme', name: 'Someone else'}),
          () => stigg.importCustomer({customerId: 'gone'}),
          () => stigg.importCustomer({customerId: 'bad id!'}),
          () => stigg.importCustomerBulk({customers: [{customerId: 'bulk-1'}, {customerId: 'bulk-2'},
                                                      {customerId: 'bulk-1'}]}),
          () => stigg.importCustomerBulk({customers: [{customerId: 'bulk-1'}, {customerId: 'bulk-2', email: 'x@'}]}),
          () => stigg.updateCustomer({customerId: 'acme', email: 'not-an-email', name: 'Renamed'}),
          () => stigg.updateCustomer({customerId: 'acme', couponId: 'no-such-coupon', name: 'Renamed'}),
          () => stigg.updateCustomer({customerId: 'acme', awsMarketplaceCustomerId: 'aws-1'}),
        ];
        for (const attempt of attempts) {
          try { await attempt(); outcomes.push('no error'); }
          catch (error) { outcomes.push([error.errorCode, error.message]); }
        }
        return outcomes;
        """
    )
    assert result == [
        ["VALIDATION_ERROR", "Failed to import customer: email: 'not-an-email' is not an email address"],
        [
            "DUPLICATE_ID",
            "Failed to import customer: id: Customer with id acme already exists with different "
            "details; update it instead",
        ],
        [
            "CUSTOMER_ID_ARCHIVED",
            "Failed to import customer: id: Customer id gone belongs to an archived customer "
            "and cannot be reused; unarchive it instead",
        ],
        ["VALIDATION_ERROR", f"Failed to import customer: id: must be {EXTERNAL_ID_RULE}"],
        ["VALIDATION_ERROR", "Failed to import customers: customers[2].id: bulk-1 is imported twice"],
        ["VALIDATION_ERROR", "Failed to import customers: email: 'x@' is not an email address"],
        ["VALIDATION_ERROR", "Failed to update customer: email: 'not-an-email' is not an email address"],
        ["COUPON_NOT_FOUND", "Failed to update customer: couponId: Coupon no-such-coupon not found"],
        [
            "IntegrationNotFound",
            "Failed to update customer: awsMarketplaceCustomerId: this server has no AWS "
            "Marketplace integration to link the customer to",
        ],
    ]
    assert customers() == [("acme", "Acme", "ap@acme.test", None), ("gone", None, None, NOW)]


@time_machine.travel(NOW, tick=False)
def test_python_sdk_portal_checkout_and_payment_session_need_a_billing_integration(python_sdk: PythonSdk) -> None:
    customer_provision(ref_id="acme", name="Acme", now=NOW)
    result = python_sdk.run(
        """
calls = {
    "portal": lambda id: client.get_customer_portal_by_ref_id(generated.CustomerPortalInput(customer_id=id)),
    "checkout": lambda id: client.get_checkout_state(generated.CheckoutStateInput(customer_id=id, plan_id="plan-pro")),
    "session": lambda id: client.create_payment_session(
        generated.PaymentSessionInput(customer_id=id, plan_id="plan-pro")),
    "customer": lambda id: client.get_customer_by_id(generated.GetCustomerByRefIdInput(customer_id=id)),
    "statistics": lambda id: client.get_customer_statistics(generated.GetCustomerByRefIdInput(customer_id=id)),
}
result = []
for customer_id in ["acme", "nobody"]:
    for name, call in calls.items():
        if customer_id == "acme" and name in ("customer", "statistics"):
            continue
        try:
            call(customer_id)
            result.append([name, customer_id, "no error"])
        except generated.GraphQLClientGraphQLMultiError as error:
            result.append([name, customer_id, error.errors[0].extensions["code"], error.errors[0].message])
"""
    )
    not_found = "customerId: Customer nobody not found"
    assert result == [
        [
            "portal",
            "acme",
            "BillingIntegrationMissing",
            "The customer portal needs a billing integration, and this server has none",
        ],
        [
            "checkout",
            "acme",
            "CheckoutIsNotSupported",
            "Checkout needs a billing integration, and this server has none",
        ],
        [
            "session",
            "acme",
            "BillingIntegrationMissing",
            "A payment session needs a billing integration, and this server has none",
        ],
        ["portal", "nobody", "CUSTOMER_NOT_FOUND", not_found],
        ["checkout", "nobody", "CUSTOMER_NOT_FOUND", not_found],
        ["session", "nobody", "CUSTOMER_NOT_FOUND", not_found],
        ["customer", "nobody", "CUSTOMER_NOT_FOUND", not_found],
        ["statistics", "nobody", "CUSTOMER_NOT_FOUND", not_found],
    ]
    assert customers() == [("acme", "Acme", None, None)]


def test_python_sdk_bulk_import_with_a_bad_item_writes_nothing(python_sdk: PythonSdk) -> None:
    error = python_sdk.error(
        """
client.import_customer_bulk(generated.ImportCustomerBulkInput(customers=[
    generated.ImportCustomerInput(customer_id="bulk-1", name="One"),
    generated.ImportCustomerInput(name="No id"),
]))
"""
    )
    assert error == {"message": "customers[1]: customerId: is required", "code": "VALIDATION_ERROR"}
    error = python_sdk.error(
        """
client.update_customer(generated.UpdateCustomerInput(customer_id="nobody", ref_id="somebody", name="X"))
"""
    )
    assert error == {"message": "customerId: differs from refId; send one of them", "code": "VALIDATION_ERROR"}
    assert customers() == []
