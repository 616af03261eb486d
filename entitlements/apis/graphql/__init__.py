"""Entitlements in Stigg's GraphQL API (``config/graphql/schema.graphql``).

Thin: every answer comes from ``entitlements.answers`` (the composition REST v1's C8 and C9 and the console call)
or from this app's promotion services and selectors.

- ``types``: ``Entitlement``, ``FeatureEntitlement``, ``CreditEntitlement``, ``EntitlementsState`` (dicts shaped
  from the engine's decisions), ``EntitlementFeature`` and the ``EntitlementUnion``/``ResetPeriodConfiguration``
  unions.
- ``queries``: ``cachedEntitlements``, ``entitlement``, ``entitlementV2``, ``entitlementsState``,
  ``reportEntitlementCheckRequested``, and the ``entitlements`` fields of the provisioning results.
- ``promotions``: ``PromotionalEntitlement``, ``Customer.promotionalEntitlements``, grant, revoke and the
  feature-group operations.
"""

from entitlements.apis.graphql import promotions, queries, types

bindables: list[object] = [*types.bindables, *queries.bindables, *promotions.bindables]
