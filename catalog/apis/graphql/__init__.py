"""GraphQL resolvers of ``catalog`` for Stigg's schema (``config/graphql/schema.graphql``).

Thin: they translate arguments, call this app's services and selectors, and shape the answer. The object types
other apps return instances of (``Plan``/``Addon`` from ``PackageVersion``, ``Product``, ``Feature``, ``Coupon``,
``CustomCurrency``) are bound here; ``loaders.prime_versions`` is how a list resolver elsewhere keeps their nested
lists to a fixed number of queries.
"""

from catalog.apis.graphql import coupons, entitlements, features, mock_paywall, packages, paywall, prices, products

bindables: list[object] = [
    *features.bindables,
    *entitlements.bindables,
    *prices.bindables,
    *packages.bindables,
    *products.bindables,
    *coupons.bindables,
    *paywall.bindables,
    *mock_paywall.bindables,
]
