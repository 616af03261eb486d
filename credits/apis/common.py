"""Query-string helpers shared by the credit read endpoints, and the schema of the parameters they read."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from catalog.models import CustomCurrency
from catalog.selectors import custom_currency_get
from config.errors import InvalidInput
from credits.errors import CreditCustomerNotFound
from customers.models import Customer

CUSTOMER_PARAMETER = OpenApiParameter("customerId", str, required=True, description="The customer (an active one).")
CURRENCY_PARAMETER = OpenApiParameter("currencyId", str, description="Only the credits in this custom currency.")
REQUIRED_CURRENCY_PARAMETER = OpenApiParameter("currencyId", str, required=True, description="The custom currency.")
RESOURCE_PARAMETER = OpenApiParameter("resourceId", str, description="Only the credits of this customer resource.")


def required_param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise InvalidInput("is required", field=name)
    return value


def customer_param(request: Request) -> Customer:
    """``customerId`` (required): an active customer, else 404 naming the field."""
    ref_id = required_param(request, "customerId")
    customer = Customer.objects.filter(ref_id=ref_id, archived_at__isnull=True).first()
    if customer is None:
        raise CreditCustomerNotFound(f"no customer {ref_id}", field="customerId")
    return customer


def currency_param(request: Request, *, required: bool = False) -> CustomCurrency | None:
    ref_id = required_param(request, "currencyId") if required else request.query_params.get("currencyId")
    return custom_currency_get(ref_id, field="currencyId") if ref_id else None
