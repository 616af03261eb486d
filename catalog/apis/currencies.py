from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import enums
from catalog.apis.inputs import CustomCurrencyCreateInput, CustomCurrencyUpdateInput
from catalog.apis.wire import custom_currency_to_wire
from catalog.selectors import custom_currency_associated_versions, custom_currency_get, custom_currency_list
from catalog.services import currencies as services
from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import comma_list, comma_list_parameter
from config.views import ApiView
from config.wire import envelope


def _with_units(data: dict) -> dict:
    units = data.pop("units", ...)
    if units is not ...:
        data["unit_singular"] = units["singular"] if units else None
        data["unit_plural"] = units["plural"] if units else None
    return data


class CustomCurrenciesView(ApiView):
    request_serializers = {"post": CustomCurrencyCreateInput}

    def post(self, request: Request) -> Response:
        data = _with_units(self.body(request))
        return envelope(custom_currency_to_wire(services.custom_currency_create(**data, now=timezone.now())))

    @extend_schema(
        parameters=[
            comma_list_parameter(
                "status", allowed=enums.CurrencyStatus.values, description="Default: the active currencies only."
            ),
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        queryset = custom_currency_list(statuses=comma_list(request, "status", allowed=enums.CurrencyStatus.values))
        return paginated_response(queryset, request, lambda items: [custom_currency_to_wire(item) for item in items])


class CustomCurrencyView(ApiView):
    request_serializers = {"patch": CustomCurrencyUpdateInput}

    def patch(self, request: Request, ref_id: str) -> Response:
        changes = _with_units(self.body(request))
        currency = services.custom_currency_update(
            currency=custom_currency_get(ref_id), changes=changes, now=timezone.now()
        )
        return envelope(custom_currency_to_wire(currency))


class CustomCurrencyArchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        currency = services.custom_currency_archive(
            currency=custom_currency_get(ref_id, include_archived=True), now=timezone.now()
        )
        return envelope(custom_currency_to_wire(currency))


class CustomCurrencyUnarchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        # Not ``custom_currency_get``: it prefers the active currency, so a reused id would hide the archived one.
        currency = services.custom_currency_unarchive_by_id(ref_id=ref_id, now=timezone.now())
        return envelope(custom_currency_to_wire(currency))


class CustomCurrencyAssociatedEntitiesView(ApiView):
    def get(self, request: Request, ref_id: str) -> Response:
        currency = custom_currency_get(ref_id, include_archived=True)
        seen: dict[str, dict] = {}
        # Newest version first, so a package is named as the plans and add-ons endpoints show it.
        versions = sorted(
            custom_currency_associated_versions(currency),
            key=lambda version: (version.package_id, -version.version_number),
        )
        for version in versions:
            kind = "Plan" if version.package.kind == enums.PackageKind.PLAN else "Addon"
            seen.setdefault(
                f"{kind}:{version.package.ref_id}",
                {
                    "id": version.package.ref_id,
                    "displayName": version.display_name,
                    "type": kind,
                },
            )
        return envelope(list(seen.values()))
