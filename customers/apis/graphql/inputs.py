"""Stigg's customer inputs (``ImportCustomerInput``, ``UpdateCustomerInput``, ``ProvisionCustomerInput``) as the
arguments of ``customers.services``.

Each input is rewritten into REST v1's ``CustomerInput`` and validated by the same serializer REST uses, so both
APIs accept exactly the same values; errors name the GraphQL field. What Stigg sends that we have no use for is
accepted and ignored: ``environmentId`` (one environment per key), ``crmId``/``salesforceId`` (no CRM sync),
``shouldWaitSync``/``shouldSyncFree`` (no billing sync to wait for), ``excludeFromExperiment`` (no experiments),
an import's ``updatedAt`` and ``billingInformation.integrationId`` (one set of billing details per customer).
``billingInformation`` is kept as REST keeps it: ``currency``, ``language`` and ``timezone`` on the customer, the rest
as the customer's ``passthrough.stripe`` for a billing integration (Stigg does not store it either).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config.graphql.inputs import validated
from customers.apis.inputs import CustomerProvisionInput, CustomerUpdateInput
from customers.errors import InvalidCustomerInput, UnsupportedCustomerField

# REST v1 field -> the GraphQL field it came from (for error messages).
GRAPHQL_NAMES = {
    "id": "customerId",
    "metadata": "additionalMetaData",
    "couponId": "couponRefId",
    "defaultPaymentMethod": "paymentMethodId",
    "billingCurrency": "billingInformation.currency",
    "language": "billingInformation.language",
    "timezone": "billingInformation.timezone",
}
ADDRESS_KEYS = {
    "addressLine1": "line1",
    "addressLine2": "line2",
    "city": "city",
    "country": "country",
    "postalCode": "postalCode",
    "state": "state",
}
ADDRESS_REVERSED = {rest: graphql for graphql, rest in ADDRESS_KEYS.items()}
STRIPE_PASSTHROUGH_KEYS = ("customerName", "invoiceCustomFields", "metadata", "paymentMethodId", "taxIds")


def customer_ref_id(input: Mapping[str, Any]) -> str:
    """The customer an input names: ``customerId`` or its older name ``refId`` (the SDKs send either)."""
    customer_id, ref_id = input.get("customerId"), input.get("refId")
    if customer_id and ref_id and customer_id != ref_id:
        raise InvalidCustomerInput("differs from refId; send one of them", field="customerId")
    if not (customer_id or ref_id):
        raise InvalidCustomerInput("is required", field="customerId")
    return str(customer_id or ref_id)


def _address(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {rest: address[graphql] for graphql, rest in ADDRESS_KEYS.items() if graphql in address}


def _billing_information(billing: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if "currency" in billing:
        # The schema's ``Currency`` values are upper case, REST's (and the stored ones) lower case.
        body["billingCurrency"] = billing["currency"].lower() if billing["currency"] else None
    for key in ("language", "timezone"):
        if key in billing:
            body[key] = billing[key]
    stripe = {key: billing[key] for key in STRIPE_PASSTHROUGH_KEYS if key in billing}
    for key in ("billingAddress", "shippingAddress"):
        if key in billing:
            stripe[key] = _address(billing[key])
    body["passthrough"] = {"stripe": stripe}
    return body


def _profile(input: Mapping[str, Any]) -> dict[str, Any]:
    """The REST v1 body for the customer fields an update or provisioning input carries."""
    if input.get("awsMarketplaceCustomerId") is not None:
        raise UnsupportedCustomerField(
            "this server has no AWS Marketplace integration to link the customer to", field="awsMarketplaceCustomerId"
        )
    body = {key: input[key] for key in ("name", "email", "billingId") if key in input}
    if "additionalMetaData" in input:
        body["metadata"] = input["additionalMetaData"]
    if "couponRefId" in input:
        body["couponId"] = input["couponRefId"]
    if input.get("billingInformation") is not None:
        body.update(_billing_information(input["billingInformation"]))
    return body


def _graphql_detail(detail: Any) -> Any:
    """A REST serializer's errors keyed by the GraphQL fields they came from."""
    if not isinstance(detail, Mapping):
        return detail
    renamed: dict[str, Any] = {}
    for key, value in detail.items():
        if key == "passthrough" and isinstance(value, Mapping):
            renamed["billingInformation"] = {
                name: {ADDRESS_REVERSED.get(key, key): error for key, error in item.items()}
                if name.endswith("Address") and isinstance(item, Mapping)
                else item
                for name, item in value.get("stripe", value).items()
            }
        else:
            renamed[GRAPHQL_NAMES.get(key) or key] = value
    return renamed


def customer_changes(input: Mapping[str, Any]) -> dict[str, Any]:
    """``UpdateCustomerInput`` as ``customer_update``'s ``changes``: the fields present, validated."""
    return validated(CustomerUpdateInput, _profile(input), rename_errors=_graphql_detail)


def customer_provision_arguments(input: Mapping[str, Any]) -> dict[str, Any]:
    """``ProvisionCustomerInput`` (or an update-shaped input) as ``customer_provision``'s keyword arguments."""
    body = {"id": customer_ref_id(input), **_profile(input)}
    return validated(CustomerProvisionInput, body, rename_errors=_graphql_detail)


def customer_import_arguments(input: Mapping[str, Any]) -> dict[str, Any]:
    """``ImportCustomerInput`` as ``customer_provision``'s keyword arguments; ``paymentMethodId`` becomes the
    customer's default payment method (its billing id; nothing else is known of it)."""
    body = {key: input[key] for key in ("name", "email", "billingId") if key in input}
    body["id"] = customer_ref_id(input)
    if "additionalMetaData" in input:
        body["metadata"] = input["additionalMetaData"]
    if input.get("paymentMethodId") is not None:
        body["defaultPaymentMethod"] = {
            "billingId": input["paymentMethodId"],
            "cardExpiryMonth": None,
            "cardExpiryYear": None,
            "cardLast4Digits": None,
            "type": None,
        }
    return validated(CustomerProvisionInput, body, rename_errors=_graphql_detail)
