"""The paywall: a product's published plans in display order, as a customer would compare them (read-only)."""

from dataclasses import dataclass, field
from decimal import Decimal

from catalog import enums
from catalog.models import PackageEntitlement, PackageVersion, Price
from catalog.selectors import product_get


@dataclass
class PaywallPackage:
    version: PackageVersion
    entitlements: list[PackageEntitlement]
    prices: list[Price]
    inherited_from: str | None = None
    addons: list["PaywallPackage"] = field(default_factory=list)


def localized_prices(prices: list[Price], billing_country_code: str | None) -> list[Price]:
    """Per pricing model and billing period, the country's price point if there is one, else the default.

    Price points keep the order they were entered in (the order GET /charges lists them).
    """
    chosen: dict[tuple[bool, int, str], Price] = {}
    for price in sorted(prices, key=lambda price: (price.is_overage, price.pricing_model_index, price.pk)):
        key = (price.is_overage, price.pricing_model_index, price.billing_period)
        if price.billing_country_code is None:
            chosen.setdefault(key, price)
        elif billing_country_code and price.billing_country_code.lower() == billing_country_code.lower():
            chosen[key] = price
    return list(chosen.values())


def _monthly_base_price(prices: list[Price]) -> Decimal:
    """What a plan costs per month before usage: its flat fees (monthly, else a twelfth of the annual ones)."""
    flat_fees = [
        price for price in prices if not price.is_overage and price.billing_model == enums.BillingModel.FLAT_FEE
    ]

    def total(billing_period: str) -> Decimal | None:
        amounts = [
            price.amount for price in flat_fees if price.billing_period == billing_period and price.amount is not None
        ]
        return sum(amounts, Decimal(0)) if amounts else None

    monthly = total(enums.BillingPeriod.MONTHLY)
    if monthly is not None:
        return monthly
    return (total(enums.BillingPeriod.ANNUALLY) or Decimal(0)) / 12


def _published_versions(product_pk: int | None, kind: str) -> list[PackageVersion]:
    versions = PackageVersion.objects.filter(package__kind=kind, package__archived_at__isnull=True, is_latest=True)
    if product_pk is not None:
        versions = versions.filter(package__product_id=product_pk)
    return list(
        versions.select_related("package__product", "parent_plan").prefetch_related(
            "entitlements__feature",
            "entitlements__currency",
            "entitlements__dependency_feature",
            "prices__feature",
            "prices__credit_rate_currency",
            "prices__top_up_currency",
            "compatible_addons",
            "dependencies",
        )
    )


def entitlement_target(entitlement: PackageEntitlement) -> tuple[str, int | None]:
    """What an entitlement is about (a feature or a currency): a plan's entitlement overrides its parents' on it."""
    return (entitlement.type, entitlement.feature_id or entitlement.currency_id)


def entitlements_over_chain(chain: list[PackageVersion]) -> list[PackageEntitlement]:
    """What a chain of plans grants, nearest plan first: each target from the nearest plan that has it, in order."""
    merged: dict[tuple[str, int | None], PackageEntitlement] = {}
    for member in reversed(chain):
        for entitlement in member.entitlements.all():
            merged[entitlement_target(entitlement)] = entitlement
    return sorted(merged.values(), key=lambda entitlement: (entitlement.order is None, entitlement.order or 0))


def _effective_entitlements(version: PackageVersion, by_package: dict[int, PackageVersion]) -> list[PackageEntitlement]:
    """A plan's own entitlements over those it inherits up its parent chain (the nearest plan wins)."""
    chain: list[PackageVersion] = []
    current: PackageVersion | None = version
    while current is not None and current not in chain:
        chain.append(current)
        current = by_package.get(current.parent_plan_id) if current.parent_plan_id else None
    return entitlements_over_chain(chain)


def _depth(version: PackageVersion, by_package: dict[int, PackageVersion]) -> int:
    depth, current, seen = 0, version, set()
    while current.parent_plan_id and current.parent_plan_id in by_package and current.pk not in seen:
        seen.add(current.pk)
        current = by_package[current.parent_plan_id]
        depth += 1
    return depth


def paywall_get(
    *, product_ref_id: str | None, billing_country_code: str | None = None, all_country_prices: bool = False
) -> list[PaywallPackage]:
    """Published plans of a product (of every product when ``product_ref_id`` is None), parents before children and
    cheaper before dearer, with their add-ons. Prices are localized for ``billing_country_code`` unless
    ``all_country_prices`` asks for every country's price points."""
    product_pk = product_get(product_ref_id).pk if product_ref_id is not None else None
    plans = _published_versions(product_pk, enums.PackageKind.PLAN)
    addons = {version.package_id: version for version in _published_versions(product_pk, enums.PackageKind.ADDON)}
    by_package = {version.package_id: version for version in plans}

    def prices_of(version: PackageVersion) -> list[Price]:
        prices = list(version.prices.all())
        return prices if all_country_prices else localized_prices(prices, billing_country_code)

    result = []
    for version in plans:
        prices = prices_of(version)
        compatible = [
            PaywallPackage(
                version=addons[addon.pk],
                entitlements=list(addons[addon.pk].entitlements.all()),
                prices=prices_of(addons[addon.pk]),
            )
            for addon in version.compatible_addons.all()
            if addon.pk in addons
        ]
        result.append(
            PaywallPackage(
                version=version,
                entitlements=_effective_entitlements(version, by_package),
                prices=prices,
                inherited_from=version.parent_plan.ref_id if version.parent_plan else None,
                addons=compatible,
            )
        )
    result.sort(
        key=lambda item: (
            _depth(item.version, by_package),
            _monthly_base_price(item.prices),
            item.version.package.created_at,
        )
    )
    return result
