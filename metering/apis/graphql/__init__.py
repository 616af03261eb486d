"""Metering's GraphQL resolvers: usage reports, raw events, usage history and credit cost estimates.

Each resolver reads its input as the REST v1 view of the same operation reads its body and calls the same service;
the answers are dicts with the SDL's keys (none of these types is a model).
"""

from metering.apis.graphql import estimates, events, history, usage

bindables: list[object] = [*usage.bindables, *events.bindables, *history.bindables, *estimates.bindables]
