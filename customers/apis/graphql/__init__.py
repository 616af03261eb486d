"""GraphQL resolvers of ``customers`` for Stigg's schema (``config/graphql/schema.graphql``).

Thin: they translate arguments, call this app's services and selectors, and shape the answer.

- ``types``: the ``Customer`` and ``CustomerResource`` object types (from model instances).
- ``inputs``: Stigg's customer inputs translated into the arguments of ``customers.services`` (also for
  ``provisionCustomer``, which ``subscriptions`` resolves).
- ``operations``: get, import (one and bulk), update, archive, unarchive, detach payment method.
- ``billing``: the operations that need a billing integration we do not have (portal, checkout, payment session).
"""

from customers.apis.graphql import billing, operations, types

bindables: list[object] = [*types.bindables, *operations.bindables, *billing.bindables]
