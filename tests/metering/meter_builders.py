"""Meters on top of the entitlement test catalog (``tests.entitlements.builders``), through the catalog services.

``metered_catalog`` gives ``api-calls`` (plan-basic: 1000 a month from the subscription's start) a COUNT meter of
``api-call`` events, and ``customer-1`` a plan-basic subscription.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from catalog.models import Feature
from catalog.services.features import feature_create, feature_update
from tests.entitlements.builders import CATALOG_AT, catalog_for_entitlements, customer, provision


def condition(field: str, operation: str, value: str | None = None, values: Sequence[str] = ()) -> dict[str, Any]:
    return {"field": field, "operation": operation, "value": value, "values": list(values) or None}


def meter(function: str, field: str | None = None, *filters: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A meter: ``filters`` are OR-ed, each a list of AND-ed conditions."""
    return {
        "aggregation": {"function": function, "field": field},
        "filters": [{"conditions": list(conditions)} for conditions in filters],
    }


def event_name_is(name: str) -> list[dict[str, Any]]:
    return [condition("eventName", "EQUALS", name)]


def metered_feature(
    ref_id: str,
    meter_definition: dict[str, Any],
    *,
    meter_type: str = "INCREMENTAL",
    unit_transformation: dict[str, Any] | None = None,
) -> Feature:
    return feature_create(
        ref_id=ref_id,
        display_name=ref_id.title(),
        feature_type="NUMBER",
        meter_type=meter_type,
        meter=meter_definition,
        unit_transformation=unit_transformation,
        now=CATALOG_AT,
    )


def metered_catalog(*, subscribed_at: datetime) -> None:
    catalog_for_entitlements()
    feature_update(
        feature=Feature.objects.get(ref_id="api-calls"),
        changes={"meter": meter("COUNT", None, event_name_is("api-call"))},
        now=CATALOG_AT,
    )
    customer("customer-1")
    provision("plan-basic", now=subscribed_at)
