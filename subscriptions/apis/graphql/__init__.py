"""GraphQL resolvers of ``subscriptions`` for Stigg's schema (``config/graphql/schema.graphql``).

Thin: they translate arguments, call this app's services and selectors, and shape the answer.

- ``types``: ``CustomerSubscription`` and what nests in it (add-ons, prices, invoices, scheduled updates), from
  ``Subscription`` rows; ``prime_subscriptions`` for list resolvers.
- ``customer_fields``: the ``Customer`` fields that read subscriptions.
- ``inputs``: Stigg's subscription inputs as REST v1 bodies, validated by REST's serializers.
- ``provisioning``: provision (V2, apply, create), provision a customer with a subscription, bulk import.
- ``changes``: update, cancel, cancel scheduled updates, migrate, delegate, transfer.
- ``previews``: estimate, estimate an update, preview, preview the next invoice.
- ``queries``: one subscription, a filtered page, the active ones.
- ``paywall``: the ``Paywall`` fields about a customer (``paywall`` with ``customerId``).
"""

from subscriptions.apis.graphql import changes, customer_fields, paywall, previews, provisioning, queries, types

bindables: list[object] = [
    *types.bindables,
    *customer_fields.bindables,
    *provisioning.bindables,
    *changes.bindables,
    *previews.bindables,
    *queries.bindables,
    *paywall.bindables,
]
