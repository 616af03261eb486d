"""Customer reads. Archived customers are invisible unless a caller asks for them by name."""

from django.db.models import QuerySet

from customers.errors import CustomerNotFound
from customers.models import Customer, CustomerResource


def customer_get(ref_id: str, *, include_archived: bool = False, field: str | None = None) -> Customer:
    """The customer with this id, in one query. Archived ones raise ``CustomerNotFound`` unless ``include_archived``
    (archive and unarchive need them)."""
    queryset = Customer.objects.select_related("coupon").filter(ref_id=ref_id)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    customer = queryset.first()
    if customer is None:
        raise CustomerNotFound(f"Customer {ref_id} not found", field=field)
    return customer


def customer_list(
    *, email: str | None = None, name: str | None = None, created_at: dict | None = None
) -> QuerySet[Customer]:
    """Active customers; ``email`` and ``name`` match exactly. One query per page (the coupon is joined)."""
    queryset = Customer.objects.select_related("coupon").filter(archived_at__isnull=True)
    if email:
        queryset = queryset.filter(email=email)
    if name:
        queryset = queryset.filter(name=name)
    return queryset.filter(**(created_at or {}))


def customer_resources_list(customer: Customer) -> QuerySet[CustomerResource]:
    return CustomerResource.objects.filter(customer=customer)
