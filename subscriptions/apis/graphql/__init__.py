"""GraphQL resolvers of ``subscriptions`` for Stigg's schema (``config/graphql/schema.graphql``).

Thin: they translate arguments, call this app's services and selectors, and shape the answer.
"""

bindables: list[object] = []
