"""``reportUsage`` and ``reportUsageBulk``: REST v1's usage report (U1), answered as
``UsageMeasurementWithCurrentUsage``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ariadne import MutationType
from graphql import GraphQLResolveInfo

from metering.apis.usage import measurements_to_wire, usage_reports
from metering.services import usage_report

mutation = MutationType()


def _report(items: Sequence[dict[str, Any]], info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    """The items read as U1 reads a body (errors name ``usages[i].<field>``) and counted by ``usage_report``; the
    SDL's input field names are U1's. ``credit`` is null: reported usage consumes no credits (as U1's)."""
    reports = usage_reports({"usages": list(items)})
    return measurements_to_wire(usage_report(items=reports, now=info.context.now))


@mutation.field("reportUsage")
def resolve_report_usage(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    (measurement,) = _report([input], info)
    return measurement


@mutation.field("reportUsageBulk")
def resolve_report_usage_bulk(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> list[dict[str, Any]]:
    return _report(input["usages"], info)


bindables: list[object] = [mutation]
