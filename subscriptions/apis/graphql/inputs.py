"""Stigg's GraphQL subscription inputs, renamed into the REST v1 bodies they mean and validated by REST's own input
serializers (``subscriptions.apis.inputs``, ``.updates``, ``.preview``), so both APIs read a request one way.

Renames: ``refId``/``subscriptionId`` → ``id``, ``additionalMetaData`` → ``metadata``, ``addons[].addonId`` →
``addons[].id``, ``billableFeatures`` → FEATURE ``charges``, ``entitlements`` (V2: ``{feature}`` or ``{credit}``) and
``subscriptionEntitlements`` → ``entitlements`` items ``{id, type, ...}``, ``skipTrial`` →
``trialOverrideConfiguration.isTrial: false``, ``priceUnitAmount`` (its older name, which the Node SDK's
``createSubscription`` still sends) → ``unitQuantity``. Keys REST refuses as not supported (``priceOverrides``,
``minimumSpend``, ``budget``) are passed on so that it refuses them; ``promotionCode``, which REST has no key for,
is refused here. Keys REST accepts and ignores stay ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog import enums as catalog_enums
from config.errors import InvalidInput

# GraphQL key → REST key, for keys that mean the same on both sides.
SAME_KEYS = (
    "customerId",
    "planId",
    "appliedCoupon",
    "billingCountryCode",
    "billingId",
    "billingInformation",
    "billingPeriod",
    "cancellationDate",
    "paymentCollectionMethod",
    "payingCustomerId",
    "resourceId",
    "startDate",
    "trialOverrideConfiguration",
    "unitQuantity",
    "priceOverrides",
    "minimumSpend",
    "budget",
    "scheduleStrategy",
    "trialEndDate",
)
REFUSED = {
    "promotionCode": "is not supported: name a coupon with appliedCoupon.couponId",
}
RESET_CONFIGURATIONS = (
    "monthlyResetPeriodConfiguration",
    "weeklyResetPeriodConfiguration",
    "yearlyResetPeriodConfiguration",
)


def _refuse_unsupported(graphql_input: Mapping[str, Any]) -> None:
    for key, message in REFUSED.items():
        if graphql_input.get(key) is not None:
            raise InvalidInput(message, field=key)


def _feature_entitlement(item: Mapping[str, Any]) -> dict[str, Any]:
    entitlement = {
        "id": item["featureId"],
        "type": catalog_enums.EntitlementType.FEATURE,
        "hasSoftLimit": item.get("hasSoftLimit"),
        "hasUnlimitedUsage": item.get("hasUnlimitedUsage"),
        "resetPeriod": item.get("resetPeriod"),
        "usageLimit": item.get("usageLimit"),
    }
    entitlement.update({key: item[key] for key in RESET_CONFIGURATIONS if key in item})
    return entitlement


def _entitlements(graphql_input: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """``entitlements`` (V2) and ``subscriptionEntitlements`` as REST's ``entitlements`` items; ``None`` when
    neither is given."""
    if graphql_input.get("entitlements") is None and graphql_input.get("subscriptionEntitlements") is None:
        return None
    items: list[dict[str, Any]] = []
    for index, item in enumerate(graphql_input.get("entitlements") or []):
        if (item.get("feature") is None) == (item.get("credit") is None):
            raise InvalidInput("must give exactly one of feature and credit", field=f"entitlements[{index}]")
        if item.get("feature") is not None:
            items.append(_feature_entitlement(item["feature"]))
        else:
            credit = item["credit"]
            items.append(
                {
                    "id": credit["customCurrencyId"],
                    "type": catalog_enums.EntitlementType.CREDIT,
                    "amount": credit["amount"],
                    "cadence": credit["cadence"],
                    "hasSoftLimit": credit.get("hasSoftLimit"),
                }
            )
    for index, item in enumerate(graphql_input.get("subscriptionEntitlements") or []):
        if not item.get("featureId"):
            raise InvalidInput("is required", field=f"subscriptionEntitlements[{index}].featureId")
        items.append(_feature_entitlement(item))
    return items


def _charges(graphql_input: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    if graphql_input.get("charges") is None and graphql_input.get("billableFeatures") is None:
        return None
    charges = [dict(charge) for charge in graphql_input.get("charges") or []]
    charges += [
        {"id": item["featureId"], "quantity": item["quantity"], "type": catalog_enums.EntitlementType.FEATURE}
        for item in graphql_input.get("billableFeatures") or []
    ]
    return charges


def _addons(graphql_input: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    if graphql_input.get("addons") is None:
        return None
    return [
        {"id": addon["addonId"], "quantity": 1 if addon.get("quantity") is None else addon["quantity"]}
        for addon in graphql_input["addons"]
    ]


def rest_body(graphql_input: Mapping[str, Any]) -> dict[str, Any]:
    """A GraphQL subscription input (provision, apply, create, estimate, preview, update, import) as the REST body
    with the same meaning. Keys absent from the input stay absent (an update leaves them unchanged)."""
    _refuse_unsupported(graphql_input)
    body = {key: graphql_input[key] for key in SAME_KEYS if key in graphql_input}
    ref_id = graphql_input.get("refId") or graphql_input.get("subscriptionId")
    if ref_id is not None:
        body["id"] = ref_id
    if graphql_input.get("priceUnitAmount") is not None and body.get("unitQuantity") is None:
        body["unitQuantity"] = graphql_input["priceUnitAmount"]
    if "additionalMetaData" in graphql_input:
        body["metadata"] = graphql_input["additionalMetaData"]
    for key, value in (
        ("addons", _addons(graphql_input)),
        ("charges", _charges(graphql_input)),
        ("entitlements", _entitlements(graphql_input)),
    ):
        if value is not None:
            body[key] = value
    if graphql_input.get("skipTrial") and body.get("trialOverrideConfiguration") is None:
        body["trialOverrideConfiguration"] = {"isTrial": False}
    if graphql_input.get("isTrial") is not None and body.get("trialOverrideConfiguration") is None:
        # ``SubscriptionInput`` (createSubscription) spells the override as top-level keys.
        body["trialOverrideConfiguration"] = {
            "isTrial": graphql_input["isTrial"],
            "trialEndBehavior": graphql_input.get("trialEndBehavior"),
        }
    return body
