"""Catalog reads. Every lookup by external id raises the entity's coded NotFound error."""

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from catalog import enums
from catalog.errors import (
    AddonNotFound,
    CouponNotFound,
    CustomCurrencyNotFound,
    FeatureNotFound,
    PlanNotFound,
    ProductNotFound,
)
from catalog.models import Coupon, CustomCurrency, Feature, Package, PackageVersion, Product


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
