"""Query-string helpers shared by the credit read endpoints, and the schema of the parameters they read."""

from typing import Literal, overload

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from catalog.models import CustomCurrency
from catalog.selectors import custom_currency_get
from config.errors import InvalidInput
from credits.selectors import wallet_customer_get
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
    return wallet_customer_get(required_param(request, "customerId"))


@overload
def currency_param(request: Request, *, required: Literal[True]) -> CustomCurrency: ...
@overload
def currency_param(request: Request, *, required: bool = False) -> CustomCurrency | None: ...
def currency_param(request: Request, *, required: bool = False) -> CustomCurrency | None:
    """``currencyId``: a custom currency, else 404 naming the field; required: 400 when absent."""
    ref_id = required_param(request, "currencyId") if required else request.query_params.get("currencyId")
    return custom_currency_get(ref_id, field="currencyId") if ref_id else None
