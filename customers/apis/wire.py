"""Customer objects as the Stigg client parses them (contract §2.2, §3.1 C7)."""

from typing import Any

from config.wire import iso
from customers.models import Customer, CustomerResource

PAYMENT_METHOD_KEYS = (
    "billingId",
    "cardBrand",
    "cardExpiryMonth",
    "cardExpiryYear",
    "cardLast4Digits",
    "type",
    "walletType",
)


def _payment_method_to_wire(payment_method: dict[str, Any] | None) -> dict[str, Any] | None:
    if payment_method is None:
        return None
    return {key: payment_method.get(key) for key in PAYMENT_METHOD_KEYS}


def customer_to_wire(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.ref_id,
        "name": customer.name,
        "email": customer.email,
        "billingId": customer.billing_id,
        "billingCurrency": customer.billing_currency,
        "couponId": customer.coupon.ref_id if customer.coupon else None,
        "language": customer.language,
        "timezone": customer.timezone,
        "metadata": customer.metadata or {},
        "defaultPaymentMethod": _payment_method_to_wire(customer.default_payment_method),
        "passthrough": customer.passthrough,
        "integrations": [
            {
                "id": integration["id"],
                "syncedEntityId": integration.get("syncedEntityId"),
                "vendorIdentifier": integration["vendorIdentifier"],
            }
            for integration in customer.integrations or []
        ],
        "archivedAt": iso(customer.archived_at),
        "createdAt": iso(customer.created_at),
        "updatedAt": iso(customer.updated_at),
    }


def customer_resource_to_wire(resource: CustomerResource) -> dict[str, Any]:
    return {"id": resource.ref_id, "createdAt": iso(resource.created_at), "updatedAt": iso(resource.updated_at)}
