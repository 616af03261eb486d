"""Catalog reads. Every lookup by external id raises the entity's coded NotFound error."""

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from catalog import enums
from catalog.errors import (
    AddonNotFound,
    CouponNotFound,
    CustomCurrencyNotFound,
    FeatureNotFound,
    PlanNotFound,
    ProductNotFound,
)
from catalog.models import (
    Coupon,
    CouponAmountOff,
    CustomCurrency,
    Feature,
    Package,
    PackageEntitlement,
    PackageVersion,
    Price,
    Product,
)


def product_get(ref_id: str) -> Product:
    product = Product.objects.select_related("downgrade_plan", "subscription_start_plan").filter(ref_id=ref_id).first()
    if product is None:
        raise ProductNotFound(f"Product {ref_id} not found")
    return product


def product_list(
    *, ref_id: str | None = None, statuses: Iterable[str] = (), created_at: dict | None = None
) -> QuerySet:
    queryset = Product.objects.select_related("downgrade_plan", "subscription_start_plan")
    if ref_id:
        queryset = queryset.filter(ref_id=ref_id)
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    return queryset.filter(**(created_at or {}))


def feature_get(ref_id: str, *, field: str | None = None) -> Feature:
    feature = Feature.objects.filter(ref_id=ref_id).first()
    if feature is None:
        raise FeatureNotFound(f"Feature {ref_id} not found", field=field)
    return feature


def feature_list(
    *,
    ref_id: str | None = None,
    feature_types: Iterable[str] = (),
    meter_types: Iterable[str] = (),
    statuses: Iterable[str] = (),
    created_at: dict | None = None,
) -> QuerySet:
    queryset = Feature.objects.all()
    if ref_id:
        queryset = queryset.filter(ref_id=ref_id)
    if feature_types:
        queryset = queryset.filter(feature_type__in=list(feature_types))
    if meter_types:
        queryset = queryset.filter(meter_type__in=list(meter_types))
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    return queryset.filter(**(created_at or {}))


def _not_found_error(kind: str) -> type[PlanNotFound] | type[AddonNotFound]:
    return PlanNotFound if kind == enums.PackageKind.PLAN else AddonNotFound


def package_get(kind: str, ref_id: str, *, field: str | None = None) -> Package:
    package = Package.objects.select_related("product").filter(kind=kind, ref_id=ref_id).first()
    if package is None:
        label = "Plan" if kind == enums.PackageKind.PLAN else "Add-on"
        raise _not_found_error(kind)(f"{label} {ref_id} not found", field=field)
    return package


def package_shown_version(package: Package) -> PackageVersion:
    """The version the API shows and edits: the newest one (a draft, when there is one)."""
    # A package is created with its first version (package_create), so there is one.
    return package.versions.order_by("-version_number").first()  # type: ignore[return-value]


def package_latest_published_version(package: Package) -> PackageVersion | None:
    """The version new subscriptions get."""
    return package.versions.filter(is_latest=True).first()


def package_draft_version(package: Package) -> PackageVersion | None:
    return package.versions.filter(status=enums.PackageStatus.DRAFT).first()


def package_list(
    kind: str,
    *,
    product_ref_id: str | None = None,
    statuses: Iterable[str] = (),
    created_at: dict | None = None,
) -> QuerySet:
    """Packages of one kind; ``status`` filters on the status of the version each one shows."""
    shown_status = PackageVersion.objects.filter(package=OuterRef("pk")).order_by("-version_number").values("status")
    queryset = (
        Package.objects.filter(kind=kind).select_related("product").annotate(shown_status=Subquery(shown_status[:1]))
    )
    if product_ref_id:
        queryset = queryset.filter(product__ref_id=product_ref_id)
    if statuses:
        queryset = queryset.filter(shown_status__in=list(statuses))
    return queryset.filter(**(created_at or {}))


def shown_versions_by_package(packages: Iterable[Package]) -> dict[int, PackageVersion]:
    """The shown version of each package in two queries, with what serializers read prefetched."""
    package_ids = [package.pk for package in packages]
    versions = (
        PackageVersion.objects.filter(package_id__in=package_ids)
        .select_related("package__product", "parent_plan")
        .prefetch_related("entitlements__feature", "entitlements__currency", "compatible_addons", "dependencies")
        .order_by("package_id", "-version_number")
        .distinct()
    )
    shown: dict[int, PackageVersion] = {}
    for version in versions:
        shown.setdefault(version.package_id, version)
    return shown


def coupon_get(ref_id: str) -> Coupon:
    coupon = Coupon.objects.prefetch_related("amounts_off").filter(ref_id=ref_id).first()
    if coupon is None:
        raise CouponNotFound(f"Coupon {ref_id} not found")
    return coupon


def coupon_list(
    *,
    ref_id: str | None = None,
    statuses: Iterable[str] = (),
    coupon_type: str | None = None,
    created_at: dict | None = None,
) -> QuerySet:
    queryset = Coupon.objects.prefetch_related("amounts_off")
    if ref_id:
        queryset = queryset.filter(ref_id=ref_id)
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    if coupon_type:
        queryset = queryset.filter(type=coupon_type)
    return queryset.filter(**(created_at or {}))


def custom_currency_get(ref_id: str, *, include_archived: bool = False, field: str | None = None) -> CustomCurrency:
    """The active currency with this id; with ``include_archived``, else the most recently archived one."""
    currency = CustomCurrency.objects.filter(ref_id=ref_id, archived_at__isnull=True).first()
    if currency is None and include_archived:
        currency = CustomCurrency.objects.filter(ref_id=ref_id).order_by("-archived_at").first()
    if currency is None:
        raise CustomCurrencyNotFound(f"Custom currency {ref_id} not found", field=field)
    return currency


def custom_currency_list(*, statuses: Iterable[str] = ()) -> QuerySet:
    statuses = set(statuses) or {enums.CurrencyStatus.ACTIVE}
    queryset = CustomCurrency.objects.all()
    if statuses == {enums.CurrencyStatus.ACTIVE}:
        queryset = queryset.filter(archived_at__isnull=True)
    elif statuses == {enums.CurrencyStatus.ARCHIVED}:
        queryset = queryset.filter(archived_at__isnull=False)
    return queryset


def custom_currency_associated_versions(currency: CustomCurrency) -> QuerySet:
    """Non-archived package versions whose entitlements or prices use the currency."""
    from django.db.models import Q

    return (
        PackageVersion.objects.filter(
            Q(entitlements__currency=currency)
            | Q(prices__credit_rate_currency=currency)
            | Q(prices__top_up_currency=currency)
        )
        .exclude(status=enums.PackageStatus.ARCHIVED)
        .select_related("package")
        .distinct()
    )


# --- batch reads: one query per call, whatever the number of keys (the GraphQL loaders call these) ----------------


def entitlements_by_version(version_ids: Iterable[int]) -> dict[int, list[PackageEntitlement]]:
    """Each version's entitlements in display order (the model's), with feature, currency, dependency feature."""
    found: dict[int, list[PackageEntitlement]] = {}
    entitlements = PackageEntitlement.objects.filter(version_id__in=list(version_ids)).select_related(
        "feature", "currency", "dependency_feature"
    )
    for entitlement in entitlements:
        found.setdefault(entitlement.version_id, []).append(entitlement)
    return found


def prices_by_version(version_ids: Iterable[int]) -> dict[int, list[Price]]:
    """Each version's price points in entry order, with their feature and currencies."""
    found: dict[int, list[Price]] = {}
    prices = Price.objects.filter(version_id__in=list(version_ids)).select_related(
        "feature", "credit_rate_currency", "top_up_currency"
    )
    for price in prices:
        found.setdefault(price.version_id, []).append(price)
    return found


def packages_by_id(package_ids: Iterable[int]) -> dict[int, Package]:
    return Package.objects.select_related("product").in_bulk(list(package_ids))


def products_by_id(product_ids: Iterable[int]) -> dict[int, Product]:
    return Product.objects.in_bulk(list(product_ids))


def latest_versions_by_package(package_ids: Iterable[int]) -> dict[int, PackageVersion]:
    """The version new subscriptions get of each package: its latest published one, else its newest."""
    versions = (
        PackageVersion.objects.filter(package_id__in=list(package_ids))
        .select_related("package__product")
        .order_by("package_id", "is_latest", "version_number")
    )
    return {version.package_id: version for version in versions}  # the last row of each package wins


def _related_latest_versions(through: Any, source_field: str, version_ids: Iterable[int]) -> dict[int, list]:
    links = list(
        through.objects.filter(**{f"{source_field}__in": list(version_ids)}).values_list(source_field, "package_id")
    )
    latest = latest_versions_by_package({package_id for _, package_id in links})
    found: dict[int, list[PackageVersion]] = {}
    for version_id, package_id in links:
        if package_id in latest:
            found.setdefault(version_id, []).append(latest[package_id])
    return {
        version_id: sorted(versions, key=lambda version: version.package.ref_id)
        for version_id, versions in found.items()
    }


def compatible_addons_by_version(version_ids: Iterable[int]) -> dict[int, list[PackageVersion]]:
    """Each plan version's compatible add-ons, as their latest versions, by id. Two queries."""
    return _related_latest_versions(PackageVersion.compatible_addons.through, "packageversion_id", version_ids)


def addon_dependencies_by_version(version_ids: Iterable[int]) -> dict[int, list[PackageVersion]]:
    """Each add-on version's dependencies, as their latest versions, by id. Two queries."""
    return _related_latest_versions(PackageVersion.dependencies.through, "packageversion_id", version_ids)


def plan_ancestors_by_version(versions: Iterable[PackageVersion]) -> dict[int, list[PackageVersion]]:
    """For each plan version, the versions it inherits from, nearest first: its parent plan's latest version, that
    one's parent's, and so on (a cycle stops the chain). Entitlements prefetched; one query per level of the deepest
    chain, not per plan."""
    chains: dict[int, list[PackageVersion]] = {version.pk: [] for version in versions}
    frontier = {version.pk: version.parent_plan_id for version in versions if version.parent_plan_id}
    seen_packages: dict[int, set[int]] = {version.pk: {version.package_id} for version in versions}
    while frontier:
        parents = {
            version.package_id: version
            for version in PackageVersion.objects.filter(package_id__in=set(frontier.values()))
            .select_related("package")
            .prefetch_related(
                Prefetch(
                    "entitlements",
                    queryset=PackageEntitlement.objects.select_related("feature", "currency", "dependency_feature"),
                )
            )
            .order_by("package_id", "is_latest", "version_number")
        }
        next_frontier = {}
        for version_id, package_id in frontier.items():
            parent = parents.get(package_id)
            if parent is None or package_id in seen_packages[version_id]:
                continue
            seen_packages[version_id].add(package_id)
            chains[version_id].append(parent)
            if parent.parent_plan_id:
                next_frontier[version_id] = parent.parent_plan_id
        frontier = next_frontier
    return chains


def amounts_off_by_coupon(coupon_ids: Iterable[int]) -> dict[int, list[CouponAmountOff]]:
    found: dict[int, list[CouponAmountOff]] = {}
    for amount in CouponAmountOff.objects.filter(coupon_id__in=list(coupon_ids)).order_by("pk"):
        found.setdefault(amount.coupon_id, []).append(amount)
    return found
