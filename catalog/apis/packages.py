"""Plans and add-ons share every view; ``kind`` tells them apart."""

from typing import ClassVar

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import enums
from catalog.apis import inputs
from catalog.apis.wire import entitlement_to_wire, entitlements_in_display_order, package_to_wire, prices_to_wire
from catalog.models import Package, PackageVersion
from catalog.selectors import package_get, package_list, package_shown_version, shown_versions_by_package
from catalog.services import entitlements as entitlement_services
from catalog.services import packages as services
from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import CREATED_AT_PARAMETERS, comma_list, comma_list_parameter, range_filter
from config.views import ApiView
from config.wire import envelope


class PackageApiView(ApiView):
    kind: ClassVar[str] = enums.PackageKind.PLAN

    def package(self, ref_id: str) -> Package:
        return package_get(self.kind, ref_id)

    def shown(self, package: Package) -> Response:
        return envelope(package_to_wire(package_shown_version(package)))


class PackagesView(PackageApiView):
    request_serializers = {"post": inputs.PlanCreateInput}

    def post(self, request: Request) -> Response:
        data = self.body(request)
        version = services.package_create(kind=self.kind, now=timezone.now(), **data)
        return envelope(package_to_wire(version))

    @extend_schema(
        parameters=[
            OpenApiParameter("productId", str, description="Only the packages of this product."),
            comma_list_parameter("status", allowed=enums.PackageStatus.values),
            *CREATED_AT_PARAMETERS,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        queryset = package_list(
            self.kind,
            product_ref_id=request.query_params.get("productId"),
            statuses=comma_list(request, "status", allowed=enums.PackageStatus.values),
            created_at=range_filter(request, "createdAt", model_field="created_at"),
        )

        def serialize(packages: list[Package]) -> list[dict]:
            shown = shown_versions_by_package(packages)
            return [package_to_wire(shown[package.pk]) for package in packages]

        return paginated_response(queryset, request, serialize)


class PackageView(PackageApiView):
    request_serializers = {"patch": inputs.PlanUpdateInput}

    def get(self, request: Request, ref_id: str) -> Response:
        return self.shown(self.package(ref_id))

    def patch(self, request: Request, ref_id: str) -> Response:
        package = self.package(ref_id)
        services.package_patch(package=package, changes=self.body(request), now=timezone.now())
        return self.shown(package)


class PackageArchiveView(PackageApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        package = services.package_archive(package=self.package(ref_id), now=timezone.now())
        return self.shown(package)


class PackageDraftView(PackageApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        draft = services.package_create_draft(package=self.package(ref_id), now=timezone.now())
        return envelope(package_to_wire(draft))

    def delete(self, request: Request, ref_id: str) -> Response:
        package = services.package_remove_draft(package=self.package(ref_id), now=timezone.now())
        return envelope({"id": package.ref_id})


class PackagePublishView(PackageApiView):
    request_serializers = {"post": inputs.PublishInput}

    def post(self, request: Request, ref_id: str) -> Response:
        data = self.body(request)
        migration_type = data.get("migration_type") or enums.MigrationType.NEW_CUSTOMERS
        publication = services.package_publish_with_task(
            package=self.package(ref_id), migration_type=migration_type, now=timezone.now()
        )
        # ALL_CUSTOMERS: the id of the job moving existing subscribers (queued on commit); else None.
        return envelope({"taskId": publication.task_id})


class PackageChargesView(PackageApiView):
    overage: ClassVar[bool] = False

    @extend_schema(parameters=PAGE_PARAMETERS)
    def get(self, request: Request, ref_id: str) -> Response:
        version = package_shown_version(self.package(ref_id))
        queryset = version.prices.filter(is_overage=self.overage).select_related(
            "feature", "top_up_currency", "credit_rate_currency"
        )
        return paginated_response(queryset, request, lambda items: prices_to_wire(items, kind=self.kind))


class PackageEntitlementsView(PackageApiView):
    request_serializers = {"post": inputs.EntitlementsCreateInput}

    def post(self, request: Request, ref_id: str) -> Response:
        data = self.body(request)
        created = entitlement_services.entitlements_create(
            package=self.package(ref_id), items=data["entitlements"], now=timezone.now()
        )
        return envelope([entitlement_to_wire(entitlement) for entitlement in created])

    def get(self, request: Request, ref_id: str) -> Response:
        # The client never pages this list (contract §8.1), so every entitlement comes in one answer.
        version: PackageVersion = package_shown_version(self.package(ref_id))
        entitlements = entitlements_in_display_order(
            version.entitlements.select_related("feature", "currency", "dependency_feature")
        )
        return Response(
            {
                "data": [entitlement_to_wire(entitlement) for entitlement in entitlements],
                "pagination": {"next": None, "prev": None},
            }
        )


class PackageEntitlementView(PackageApiView):
    request_serializers = {"patch": inputs.EntitlementFieldsInput}

    def patch(self, request: Request, ref_id: str, entitlement_id: str) -> Response:
        changes = self.body(request)
        entitlement = entitlement_services.entitlement_update(
            package=self.package(ref_id), target_ref_id=entitlement_id, changes=changes, now=timezone.now()
        )
        return envelope(entitlement_to_wire(entitlement))

    def delete(self, request: Request, ref_id: str, entitlement_id: str) -> Response:
        entitlement = entitlement_services.entitlement_delete(
            package=self.package(ref_id), target_ref_id=entitlement_id, now=timezone.now()
        )
        return envelope(entitlement_to_wire(entitlement))


ADDON_INPUTS: dict[type[serializers.Serializer], type[serializers.Serializer]] = {
    inputs.PlanCreateInput: inputs.AddonCreateInput,
    inputs.PlanUpdateInput: inputs.AddonUpdateInput,
}


def addon_view(view: type[PackageApiView]) -> type[PackageApiView]:
    """The add-on flavour of a package view: same operation, add-on kind and add-on inputs."""
    request_serializers = {
        method: ADDON_INPUTS.get(serializer, serializer) for method, serializer in view.request_serializers.items()
    }
    return type(
        f"Addon{view.__name__}",
        (view,),
        {"kind": enums.PackageKind.ADDON, "request_serializers": request_serializers},
    )


class PlanOverageChargesView(PackageChargesView):
    overage = True
