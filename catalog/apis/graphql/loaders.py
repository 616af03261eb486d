"""The catalog's per-request loaders, and how other apps' list resolvers prime them.

A ``Plan`` or ``Addon`` is a ``PackageVersion``; its nested lists (entitlements, prices, add-ons, parent chain) are
loaded through these loaders so that a list of versions costs a fixed number of queries. graphql-core resolves a
list depth-first, so whoever returns several versions (a paywall, a page of subscriptions) primes them first::

    from catalog.apis.graphql.loaders import prime_versions
    prime_versions(info, [subscription.plan_version for subscription in subscriptions])

Versions reached through a loader here (compatible add-ons, dependencies, base plans) are primed by this package.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import GraphQLResolveInfo

from catalog import selectors
from catalog.models import Coupon, Package, PackageEntitlement, PackageVersion, Price, Product

# Loaders keyed by version pk whose values are lists: what ``prime_versions`` primes.
VERSION_LIST_LOADERS = (
    selectors.entitlements_by_version,
    selectors.prices_by_version,
    selectors.compatible_addons_by_version,
    selectors.addon_dependencies_by_version,
)


def _loader(info: GraphQLResolveInfo, batch: Any, default: Any = None) -> Any:
    return info.context.loaders.get(batch, default)


def _prefetched(instance: Any, name: str) -> list | None:
    """What a caller's ``prefetch_related(name)`` already fetched, or None (so a loader is not needed)."""
    cache = getattr(instance, "_prefetched_objects_cache", {})
    return list(getattr(instance, name).all()) if name in cache else None


def prime_versions(info: GraphQLResolveInfo, versions: Iterable[PackageVersion | None]) -> None:
    """Announce versions a list will resolve, so that each nested list is fetched once for all of them."""
    present = [version for version in versions if version is not None]
    version_ids = [version.pk for version in present]
    for batch in VERSION_LIST_LOADERS:
        _loader(info, batch, ()).prime(version_ids)
    _loader(info, _ancestors_of, ()).prime(present)
    _loader(info, selectors.packages_by_id).prime(
        version.package_id for version in present if not PackageVersion.package.is_cached(version)
    )
    _loader(info, selectors.latest_versions_by_package).prime(
        version.parent_plan_id for version in present if version.parent_plan_id
    )


def remember_prices(info: GraphQLResolveInfo, version: PackageVersion, prices: list[Price]) -> None:
    """Serve ``prices`` as the version's price points for the rest of the request (a paywall's localized ones)."""
    _loader(info, selectors.prices_by_version, ()).loaded[version.pk] = prices


def _ancestors_of(versions: list[PackageVersion]) -> dict[PackageVersion, list[PackageVersion]]:
    """Keyed by the versions themselves (equal by pk): the selector needs each one's parent, not just its pk."""
    chains = selectors.plan_ancestors_by_version(versions)
    return {version: chains[version.pk] for version in versions}


def version_package(info: GraphQLResolveInfo, version: PackageVersion) -> Package:
    if PackageVersion.package.is_cached(version):
        return version.package
    return _loader(info, selectors.packages_by_id).load(version.package_id)


def package_product(info: GraphQLResolveInfo, package: Package) -> Product:
    if Package.product.is_cached(package):
        return package.product
    return _loader(info, selectors.products_by_id).load(package.product_id)


def version_entitlements(info: GraphQLResolveInfo, version: PackageVersion) -> list[PackageEntitlement]:
    prefetched = _prefetched(version, "entitlements")
    if prefetched is not None:
        return prefetched
    return list(_loader(info, selectors.entitlements_by_version, ()).load(version.pk))


def version_prices(info: GraphQLResolveInfo, version: PackageVersion) -> list[Price]:
    loader = _loader(info, selectors.prices_by_version, ())
    if version.pk not in loader.loaded:
        prefetched = _prefetched(version, "prices")
        if prefetched is not None:
            return prefetched
    return list(loader.load(version.pk))


def _primed_versions(info: GraphQLResolveInfo, batch: Any, version: PackageVersion) -> list[PackageVersion]:
    loader = _loader(info, batch, ())
    found = list(loader.load(version.pk))
    # Everything this batch brought is about to be resolved, by this parent or its siblings: prime it all at once.
    prime_versions(info, (each for versions in loader.loaded.values() for each in versions))
    return found


def compatible_addons(info: GraphQLResolveInfo, version: PackageVersion) -> list[PackageVersion]:
    return _primed_versions(info, selectors.compatible_addons_by_version, version)


def addon_dependencies(info: GraphQLResolveInfo, version: PackageVersion) -> list[PackageVersion]:
    return _primed_versions(info, selectors.addon_dependencies_by_version, version)


def latest_version(info: GraphQLResolveInfo, package_id: int | None) -> PackageVersion | None:
    """The version of a package that a plan's ``basePlan`` or a product's ``downgradePlan`` shows."""
    if package_id is None:
        return None
    loader = _loader(info, selectors.latest_versions_by_package)
    found = loader.load(package_id)
    prime_versions(info, loader.loaded.values())
    return found


def plan_ancestors(info: GraphQLResolveInfo, version: PackageVersion) -> list[PackageVersion]:
    """The versions a plan inherits from, nearest first."""
    return list(_loader(info, _ancestors_of, ()).load(version))


def coupon_amounts_off(info: GraphQLResolveInfo, coupon: Coupon) -> list:
    prefetched = _prefetched(coupon, "amounts_off")
    if prefetched is not None:
        return prefetched
    return list(_loader(info, selectors.amounts_off_by_coupon, ()).load(coupon.pk))


def prime_products(info: GraphQLResolveInfo, products: Iterable[Product]) -> None:
    """Announce products a list will resolve (their downgrade plans are fetched once for all)."""
    _loader(info, selectors.latest_versions_by_package).prime(
        product.downgrade_plan_id for product in products if product.downgrade_plan_id
    )


def remember_compatible_addons(info: GraphQLResolveInfo, version: PackageVersion, addons: list[PackageVersion]) -> None:
    """Serve ``addons`` as the plan's compatible add-ons for the rest of the request (a paywall's published ones)."""
    _loader(info, selectors.compatible_addons_by_version, ()).loaded[version.pk] = addons
