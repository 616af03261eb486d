"""Credits in Stigg's GraphQL API: the object types (``types``), inputs checked by REST v1's
serializers (``inputs``), and one module per group of operations, each calling REST v1's selectors and services."""

from credits.apis.graphql import balances, consumption, grants, ledger, recharge, types

bindables: list[object] = [
    *types.bindables,
    *balances.bindables,
    *grants.bindables,
    *ledger.bindables,
    *consumption.bindables,
    *recharge.bindables,
]
