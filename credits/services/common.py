"""What every credit write needs first: the wallet's customer, currency and resource, or a 404 naming the field."""

from catalog.models import CustomCurrency
from credits import errors
from credits.selectors import wallet_customer_get
from customers.models import Customer, CustomerResource


def wallet_scope(
    *, customer_ref_id: str, currency: CustomCurrency, resource_ref_id: str | None, field_prefix: str = ""
) -> tuple[Customer, CustomCurrency, str]:
    """The wallet's customer (active), currency and resource key ("" for the customer level).

    404 ``CUSTOMER_NOT_FOUND`` for an unknown or archived customer, ``CUSTOMER_RESOURCE_NOT_FOUND`` for a resource
    the customer does not have."""
    customer = wallet_customer_get(customer_ref_id, field=f"{field_prefix}customerId")
    if resource_ref_id and not CustomerResource.objects.filter(customer=customer, ref_id=resource_ref_id).exists():
        raise errors.CreditResourceNotFound(
            f"customer {customer_ref_id} has no resource {resource_ref_id}", field=f"{field_prefix}resourceId"
        )
    return customer, currency, resource_ref_id or ""
