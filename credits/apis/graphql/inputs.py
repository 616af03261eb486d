"""GraphQL inputs checked by REST v1's input serializers (``credits.apis.inputs``), whose field names they share."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalog.apis.fields import Choice
from catalog.money import Currency
from config.graphql.inputs import validated as checked
from credits.apis.inputs import CostInput, GrantInput

# Stigg's multi-environment id: one environment here, so it is ignored.
IGNORED = ("environmentId",)


def present(value: Any) -> Any:
    """The input without its nulls and ignored fields: an optional GraphQL field sent as null is absent."""
    if isinstance(value, dict):
        return {key: present(item) for key, item in value.items() if item is not None and key not in IGNORED}
    if isinstance(value, list):
        return [present(item) for item in value]
    return value


def validated(serializer_class: type[serializers.Serializer], data: dict[str, Any]) -> dict[str, Any]:
    """The serializer's validated data (in service terms), nulls left out first (``present``)."""
    return checked(serializer_class, present(data))


class GraphqlCostInput(CostInput):
    """``MoneyInputDTO``: its currency is optional (the grant's default then)."""

    currency = Choice(Currency, required=False)


class GraphqlGrantInput(GrantInput):
    """``CreditGrantInput``: REST's ``GrantInput``, whose ``metadata`` GraphQL calls ``additionalMetaData``."""

    cost = GraphqlCostInput(required=False, allow_null=True)


def grant_input(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "additionalMetaData" in data:
        data["metadata"] = data.pop("additionalMetaData")
    cost = data.get("cost")
    if cost and cost.get("currency"):
        # The ``Currency`` enum's names are uppercase ISO codes, ours lowercase.
        data["cost"] = {**cost, "currency": cost["currency"].lower()}
    return validated(GraphqlGrantInput, data)
