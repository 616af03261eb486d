from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.apis.wire import entitlement_to_wire, package_to_wire, prices_to_wire
from catalog.paywall import PaywallPackage, paywall_get
from config.errors import InvalidInput
from config.views import ApiView
from config.wire import envelope


def _package(item: PaywallPackage) -> dict[str, Any]:
    kind = item.version.package.kind
    body = package_to_wire(item.version)
    body["entitlements"] = [entitlement_to_wire(entitlement) for entitlement in item.entitlements]
    body["prices"] = prices_to_wire(item.prices, kind=kind)
    return body


class PaywallView(ApiView):
    """Beyond the contract, for the SDKs' ``getPaywall``: everything a pricing page needs in one call."""

    @extend_schema(
        parameters=[
            OpenApiParameter("productId", str, required=True, description="The product whose plans are shown."),
            OpenApiParameter(
                "billingCountryCode",
                str,
                description="Show the prices localized for this country where a plan has them (case-insensitive).",
            ),
        ]
    )
    def get(self, request: Request) -> Response:
        product_ref_id = request.query_params.get("productId")
        if not product_ref_id:
            raise InvalidInput("is required", field="productId")
        plans = paywall_get(
            product_ref_id=product_ref_id, billing_country_code=request.query_params.get("billingCountryCode")
        )
        return envelope(
            {
                "plans": [
                    {**_package(plan), "compatibleAddons": [_package(addon) for addon in plan.addons]} for plan in plans
                ]
            }
        )
