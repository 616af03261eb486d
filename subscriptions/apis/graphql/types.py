"""``CustomerSubscription`` (and ``SubscriptionQuery``, the list's slimmer node) resolved from
``subscriptions.models.Subscription`` rows, with everything nested in it that is not another app's model.

Subscriptions come from ``selectors.subscriptions_for_wire`` (customer, plan version, add-ons, prices, pending
updates prefetched). What it does not fetch is loaded per request for all the subscriptions of an answer at once:
a resolver that returns a list of subscriptions calls ``prime_subscriptions`` first, so their latest invoices,
period prices and feature quantities load in one query each (``config.graphql.loaders``).

``plan`` and ``addons[].addon`` answer ``catalog.models.PackageVersion`` rows and ``customer``/``payingCustomer``
``customers.models.Customer`` rows: their apps resolve those types.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from ariadne import EnumType, ObjectType, UnionType
from graphql import GraphQLResolveInfo

from catalog import enums as catalog_enums
from catalog.apis.graphql.ids import object_id
from catalog.apis.graphql.loaders import prime_versions
from catalog.apis.graphql.values import money
from catalog.models import PackageVersion
from subscriptions import enums
from subscriptions.apis.wire import invoice_to_wire
from subscriptions.models import Invoice, Subscription, SubscriptionAddon, SubscriptionFeatureQuantity
from subscriptions.period_prices import subscriptions_period_prices
from subscriptions.pricing import InvoiceDraft
from subscriptions.quote import quantity_bought
from subscriptions.selectors import PENDING_UPDATE_STATUSES, subscription_prices

# Stigg's ids are UUIDs of its own; ours are row keys, presented as stable name-based UUIDs.
SUBSCRIPTION_ID_NAMESPACE = uuid.UUID("0b9f8d5c-3f0e-4b8a-9d6e-5a2c1e7f4b31")

subscription_type = ObjectType("CustomerSubscription")
subscription_query_type = ObjectType("SubscriptionQuery")
subscription_addon_type = ObjectType("SubscriptionAddon")
invoice_type = ObjectType("SubscriptionInvoice")
schedule_variables_union = UnionType("ScheduleVariables")

# Stigg spells these enums' values in PascalCase; ours are stored upper case.
schedule_type_enum = EnumType(
    "SubscriptionScheduleType", {value.title().replace("_", ""): value for value in enums.ScheduleType.values}
)
schedule_status_enum = EnumType(
    "SubscriptionScheduleStatus", {value.title().replace("_", ""): value for value in enums.ScheduleStatus.values}
)


def subscription_uuid(subscription: Subscription) -> uuid.UUID:
    return uuid.uuid5(SUBSCRIPTION_ID_NAMESPACE, f"subscription:{subscription.pk}")


# --- per-request batches ---------------------------------------------------------------------------------------------


def _invoices_by_id(invoice_ids: list[int]) -> Mapping[int, Invoice]:
    return Invoice.objects.in_bulk(invoice_ids)


def _period_prices(subscription_ids: list[int]) -> Mapping[int, InvoiceDraft | None]:
    return subscriptions_period_prices(subscription_ids)


def _feature_quantities(subscription_ids: list[int]) -> Mapping[int, dict[int, Decimal]]:
    quantities: dict[int, dict[int, Decimal]] = {}
    for row in SubscriptionFeatureQuantity.objects.filter(subscription_id__in=subscription_ids):
        quantities.setdefault(row.subscription_id, {})[row.feature_id] = row.quantity
    return quantities


def prime_subscriptions(info: GraphQLResolveInfo, subscriptions: Iterable[Subscription]) -> None:
    """Let the nested fields of these subscriptions load together: one query per kind for the whole list."""
    subscriptions = list(subscriptions)
    loaders = info.context.loaders
    invoice_ids = [getattr(subscription, "latest_invoice_id", None) for subscription in subscriptions]
    loaders.get(_invoices_by_id).prime(invoice_id for invoice_id in invoice_ids if invoice_id is not None)
    loaders.get(_period_prices).prime(subscription.pk for subscription in subscriptions)
    loaders.get(_feature_quantities, default={}).prime(subscription.pk for subscription in subscriptions)
    versions = [subscription.plan_version for subscription in subscriptions]
    versions += [addon.addon_version for subscription in subscriptions for addon in subscription.addons.all()]
    prime_versions(info, versions)


# --- CustomerSubscription and SubscriptionQuery ----------------------------------------------------------------------


def _attribute(name: str) -> Callable[..., Any]:
    def resolve(subscription: Subscription, _: GraphQLResolveInfo) -> Any:
        return getattr(subscription, name)

    return resolve


ATTRIBUTES = {
    "subscriptionId": "ref_id",
    "refId": "ref_id",
    "billingId": "billing_id",
    "billingPeriod": "billing_period",
    "cancellationDate": "cancellation_date",
    "currentBillingPeriodStart": "current_period_start",
    "currentBillingPeriodEnd": "current_period_end",
    "effectiveEndDate": "effective_end_date",
    "endDate": "end_date",
    "startDate": "start_date",
    "trialEndDate": "trial_end_date",
    "status": "status",
    "customer": "customer",
    "payingCustomer": "paying_customer",
    "resource": "resource",
    "plan": "plan_version",
    "paymentCollection": "payment_collection",
    "paymentCollectionMethod": "payment_collection_method",
}
# What we have no such thing for (no billing provider, no experiments).
NONE_FIELDS = ("billingLinkUrl", "billingSyncError", "experimentInfo")


def resolve_addons(subscription: Subscription, _: GraphQLResolveInfo) -> list[SubscriptionAddon]:
    return list(subscription.addons.all())


def resolve_pricing_type(subscription: Subscription, _: GraphQLResolveInfo) -> str:
    return subscription.plan_version.pricing_type or catalog_enums.PricingType.FREE


def resolve_trial_configuration(subscription: Subscription, _: GraphQLResolveInfo) -> dict[str, Any] | None:
    if not subscription.trial_end_behavior:
        return None
    return {"trialEndBehavior": subscription.trial_end_behavior}


# The fields of the list's slimmer node, ``SubscriptionQuery``, resolve as ``CustomerSubscription``'s do.
QUERY_NODE_FIELDS = (
    "currentBillingPeriodEnd",
    "customer",
    "payingCustomer",
    "plan",
    "resource",
    "startDate",
    "status",
    "subscriptionId",
    "trialEndDate",
)
for field_name, attribute_name in ATTRIBUTES.items():
    subscription_type.set_field(field_name, _attribute(attribute_name))
    if field_name in QUERY_NODE_FIELDS:
        subscription_query_type.set_field(field_name, _attribute(attribute_name))
for graphql_type in (subscription_type, subscription_query_type):
    graphql_type.set_field("addons", resolve_addons)
    graphql_type.set_field("pricingType", resolve_pricing_type)
    graphql_type.set_field("trialConfiguration", resolve_trial_configuration)
for field_name in NONE_FIELDS:
    subscription_type.set_field(field_name, lambda *_: None)


@subscription_type.field("id")
def resolve_id(subscription: Subscription, _: GraphQLResolveInfo) -> uuid.UUID:
    return subscription_uuid(subscription)


@subscription_type.field("additionalMetaData")
def resolve_metadata(subscription: Subscription, _: GraphQLResolveInfo) -> dict[str, Any]:
    return subscription.metadata or {}


@subscription_type.field("latestInvoice")
def resolve_latest_invoice(subscription: Subscription, info: GraphQLResolveInfo) -> Invoice | None:
    invoice_id = getattr(subscription, "latest_invoice_id", None)
    if invoice_id is None:
        return None
    return info.context.loaders.get(_invoices_by_id).load(invoice_id)


@subscription_type.field("prices")
def resolve_prices(subscription: Subscription, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    """Each price the subscription pays, with the quantity bought of its feature (seats) as billing counts it."""
    quantities = info.context.loaders.get(_feature_quantities, default={}).load(subscription.pk)
    prices = subscription_prices(subscription)
    per_unit = catalog_enums.BillingModel.PER_UNIT
    plan_per_unit = [price for price, addon in prices if addon is None and price.billing_model == per_unit]
    return [
        {
            "billingModel": price.billing_model,
            "price": price,
            "usageLimit": None
            if price.feature_id is None
            else quantity_bought(
                unit_quantity=subscription.unit_quantity,
                feature_quantity=quantities.get(price.feature_id),
                single_per_unit=len(plan_per_unit) == 1,
            ),
        }
        for price, _ in prices
    ]


@subscription_type.field("totalPrice")
def resolve_total_price(subscription: Subscription, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    """The current billing period's price, as the renewal quotes it (``None``: no billing period yet)."""
    draft: InvoiceDraft | None = info.context.loaders.get(_period_prices).load(subscription.pk)
    if draft is None:
        return None
    return {"subTotal": money(draft.subtotal, draft.currency), "total": money(draft.total, draft.currency)}


def _pending_updates(subscription: Subscription) -> list[Any]:
    pending = getattr(subscription, "pending_updates", None)
    if pending is None:
        pending = list(
            subscription.scheduled_updates.filter(status__in=PENDING_UPDATE_STATUSES).order_by("execute_at", "pk")
        )
    return pending


def package_dto(subscription: Subscription) -> dict[str, Any]:
    """A ``PackageDTO``: the plan a scheduled update is about (the subscription's own; updates keep the plan)."""
    version = subscription.plan_version
    return {
        "id": object_id("package-version", version.pk),
        "refId": subscription.plan.ref_id,
        "displayName": version.display_name,
        "pricingType": version.pricing_type,
    }


def _schedule_variables(schedule_type: str, payload: Mapping[str, Any], subscription: Subscription) -> Any:
    """The update's ``ScheduleVariables``, tagged with its GraphQL type; ``None`` for kinds Stigg has none for."""
    if schedule_type == enums.ScheduleType.UNIT_AMOUNT:
        feature_quantities = payload.get("feature_quantities") or {}
        if payload.get("unit_quantity") is not None:
            return {"type": "UnitAmountChangeVariables", "newUnitAmount": payload["unit_quantity"], "featureId": None}
        for feature_ref_id, quantity in feature_quantities.items():
            amount = Decimal(quantity)
            return {"type": "UnitAmountChangeVariables", "newUnitAmount": amount, "featureId": feature_ref_id}
        return None
    if schedule_type == enums.ScheduleType.ADDON:
        for addon_ref_id, quantity in payload.get("addons") or []:
            return {"type": "AddonChangeVariables", "addonRefId": addon_ref_id, "newQuantity": quantity}
        return None
    if schedule_type == enums.ScheduleType.BILLING_PERIOD:
        return {"type": "BillingPeriodChangeVariables", "billingPeriod": payload.get("billing_period")}
    if schedule_type == enums.ScheduleType.MIGRATE_TO_LATEST:
        return {
            "type": "PlanChangeVariables",
            "planRefId": subscription.plan.ref_id,
            "changeType": "NONE",
            "billingPeriod": subscription.billing_period,
        }
    return None


@schedule_variables_union.type_resolver
def resolve_schedule_variables_type(variables: Mapping[str, Any], *_: Any) -> str:
    return str(variables["type"])


def resolve_future_updates(subscription: Subscription, _: GraphQLResolveInfo) -> list[dict[str, Any]]:
    return [
        {
            "subscriptionScheduleType": update.schedule_type,
            "scheduleStatus": update.status,
            "scheduledExecutionTime": update.execute_at,
            "targetPackage": package_dto(subscription),
            "scheduleVariables": _schedule_variables(update.schedule_type, update.payload or {}, subscription),
        }
        for update in _pending_updates(subscription)
    ]


subscription_type.set_field("futureUpdates", resolve_future_updates)
subscription_type.set_field("scheduledUpdates", resolve_future_updates)


# --- SubscriptionAddon -----------------------------------------------------------------------------------------------


@subscription_addon_type.field("id")
def resolve_addon_id(row: SubscriptionAddon, _: GraphQLResolveInfo) -> uuid.UUID:
    return uuid.uuid5(SUBSCRIPTION_ID_NAMESPACE, f"subscription-addon:{row.pk}")


@subscription_addon_type.field("addon")
def resolve_addon(row: SubscriptionAddon, _: GraphQLResolveInfo) -> PackageVersion:
    return row.addon_version


# --- SubscriptionInvoice ---------------------------------------------------------------------------------------------


@invoice_type.field("billingId")
def resolve_invoice_billing_id(invoice: Invoice, _: GraphQLResolveInfo) -> str:
    return invoice.billing_ref


@invoice_type.field("amountDue")
def resolve_invoice_amount_due(invoice: Invoice, _: GraphQLResolveInfo) -> Any:
    return invoice_to_wire(invoice)["amountDue"]


INVOICE_ATTRIBUTES = {
    "billingReason": "billing_reason",
    "createdAt": "created_at",
    "currency": "currency",
    "status": "status",
    "subTotal": "subtotal",
    "subTotalExcludingTax": "subtotal",
    "tax": "tax",
    "total": "total",
}
for field_name, attribute_name in INVOICE_ATTRIBUTES.items():
    invoice_type.set_field(field_name, _attribute(attribute_name))
for field_name in ("attemptCount", "dueDate", "paymentSecret", "paymentUrl", "pdfUrl"):
    invoice_type.set_field(field_name, lambda *_: None)


@invoice_type.field("requiresAction")
def resolve_invoice_requires_action(*_: Any) -> bool:
    return False


@invoice_type.field("errorMessage")
def resolve_invoice_error_message(invoice: Invoice, _: GraphQLResolveInfo) -> str | None:
    return invoice.collection_error or None


@invoice_type.field("totalExcludingTax")
def resolve_invoice_total_excluding_tax(invoice: Invoice, _: GraphQLResolveInfo) -> Decimal:
    return invoice.total - invoice.tax


@invoice_type.field("updatedAt")
def resolve_invoice_updated_at(invoice: Invoice, _: GraphQLResolveInfo) -> Any:
    return invoice.paid_at or invoice.collection_attempted_at or invoice.created_at


bindables: list[object] = [
    subscription_type,
    subscription_query_type,
    subscription_addon_type,
    invoice_type,
    schedule_variables_union,
    schedule_type_enum,
    schedule_status_enum,
]
