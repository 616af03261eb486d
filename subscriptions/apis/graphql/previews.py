"""What a subscription would cost, through GraphQL: ``estimateSubscription`` and ``previewSubscription`` (a new
subscription: REST's S6 preview), ``estimateSubscriptionUpdate`` (REST's update preview) and ``previewNextInvoice``
(the next renewal's invoice, ``period_prices``). Nothing is written. The answers are dicts: these types have no
model. ``credits`` is the payer's credit balance (REST's ``customerBalance``): what the invoice takes from it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ariadne import MutationType
from graphql import GraphQLResolveInfo

from catalog.apis.graphql.values import money
from config.graphql.inputs import validated
from subscriptions.apis.graphql.changes import subscription_ref_id
from subscriptions.apis.graphql.inputs import rest_body
from subscriptions.apis.preview import PreviewInput, preview_of
from subscriptions.apis.updates import SubscriptionUpdateInput, update_request
from subscriptions.errors import NoUpcomingInvoice
from subscriptions.period_prices import subscription_next_invoice
from subscriptions.pricing import CouponTerms, InvoiceDraft
from subscriptions.quote import coupon_terms
from subscriptions.selectors import subscription_get
from subscriptions.services import updates
from subscriptions.services.balance import BalanceOutcome, payer_balance_preview, payer_id, subscription_preview_balance

mutation = MutationType()


def _discount(coupon: CouponTerms | None, invoice: InvoiceDraft) -> dict[str, Any] | None:
    """A ``SubscriptionPreviewDiscount``: the coupon that discounts this invoice, if one does."""
    if coupon is None or invoice.coupon_ref_id != coupon.ref_id:
        return None
    percentage = coupon.percent_off is not None
    return {
        "name": coupon.name,
        "type": "PERCENTAGE" if percentage else "FIXED",
        "value": coupon.percent_off if percentage else coupon.amounts_off.get(invoice.currency, Decimal(0)),
        "durationType": "REPEATING" if coupon.duration_in_months else "FOREVER",
        "durationInMonths": coupon.duration_in_months,
    }


def _tax_details(invoice: InvoiceDraft) -> dict[str, Any] | None:
    if invoice.tax_percentage is None:
        return None
    return {"displayName": "Tax", "percentage": invoice.tax_percentage, "inclusive": False}


def invoice_amounts(invoice: InvoiceDraft, coupon: CouponTerms | None) -> dict[str, Any]:
    """The amounts every preview invoice shape shares (``SubscriptionPreviewInvoice`` and its kin)."""
    currency = invoice.currency
    return {
        "subTotal": money(invoice.subtotal, currency),
        "subTotalExcludingTax": money(invoice.subtotal, currency),
        "total": money(invoice.total, currency),
        "totalExcludingTax": money(invoice.total - invoice.tax, currency),
        "tax": money(invoice.tax, currency),
        "taxDetails": _tax_details(invoice),
        "discount": money(invoice.discount, currency),
        "discountAmount": money(invoice.discount, currency),
        "discountDetails": _discount(coupon, invoice),
    }


def _credits(balance: BalanceOutcome) -> dict[str, Any]:
    return {
        "initial": money(balance.starting, balance.currency),
        "used": money(balance.applied, balance.currency),
        "remaining": money(balance.ending, balance.currency),
    }


def _proration(change: Any) -> dict[str, Any] | None:
    proration = change.proration
    if proration is None:
        return None
    currency = proration.net.currency
    return {
        "prorationDate": proration.at,
        "credit": money(-proration.credit.total, currency),
        "debit": money(proration.debit.total, currency),
        "netAmount": money(proration.net.total, currency),
        "hasProrations": bool(proration.credit.total or proration.debit.total),
    }


def _estimate(
    immediate: InvoiceDraft, recurring: InvoiceDraft, coupon: CouponTerms | None, balance: BalanceOutcome
) -> dict[str, Any]:
    """A ``SubscriptionPreview``: the immediate invoice's amounts, and the recurring one as ``subscription``."""
    amounts = invoice_amounts(immediate, coupon)
    return {
        **amounts,
        "discount": amounts["discountDetails"],
        "billingPeriodRange": {"start": immediate.period_start, "end": immediate.period_end},
        "subscription": {**invoice_amounts(recurring, coupon), "discount": _discount(coupon, recurring)},
        "credits": _credits(balance),
        "proration": None,
        "isPlanDowngrade": False,
        "hasScheduledUpdates": False,
    }


def _new_subscription_preview(graphql_input: Mapping[str, Any], info: GraphQLResolveInfo) -> Any:
    return preview_of(validated(PreviewInput, rest_body(graphql_input)), now=info.context.now)


@mutation.field("estimateSubscription")
def resolve_estimate_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    preview = _new_subscription_preview(input, info)
    balance = subscription_preview_balance(preview)
    return _estimate(preview.immediate_invoice, preview.recurring_invoice, preview.coupon, balance)


@mutation.field("previewSubscription")
def resolve_preview_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    preview = _new_subscription_preview(input, info)
    balance = subscription_preview_balance(preview)
    return {
        "immediateInvoice": {
            **invoice_amounts(preview.immediate_invoice, preview.coupon),
            "credits": _credits(balance),
            "proration": None,
        },
        "recurringInvoice": invoice_amounts(preview.recurring_invoice, preview.coupon),
        "billingPeriodRange": {"start": preview.billing_period_start, "end": preview.billing_period_end},
        "isPlanDowngrade": False,
        "hasScheduledUpdates": False,
    }


@mutation.field("estimateSubscriptionUpdate")
def resolve_estimate_subscription_update(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    subscription = subscription_get(subscription_ref_id(input, "subscriptionId"))
    body = validated(SubscriptionUpdateInput, rest_body(input))
    change = updates.subscription_update_preview(
        subscription_id=subscription.pk, request=update_request(body), now=info.context.now
    )
    coupon = change.target.quote.coupon
    terms = coupon_terms(coupon) if coupon is not None else None
    balance = updates.change_balance_outcome(change)
    estimate = _estimate(change.immediate_invoice, change.recurring_invoice, terms, balance)
    start, end = change.period
    return {
        **estimate,
        "billingPeriodRange": {"start": start, "end": end},
        "proration": _proration(change),
        "isPlanDowngrade": change.is_downgrade,
        "hasScheduledUpdates": change.has_scheduled_updates,
    }


@mutation.field("previewNextInvoice")
def resolve_preview_next_invoice(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    subscription = subscription_get(subscription_ref_id(input, "subscriptionId"))
    invoice = subscription_next_invoice(subscription)
    if invoice is None:
        raise NoUpcomingInvoice(f"Subscription {subscription.ref_id} has no upcoming invoice", field="subscriptionId")
    coupon = coupon_terms(subscription.coupon) if subscription.coupon is not None else None
    balance = payer_balance_preview(
        payer_customer_id=payer_id(subscription), currency=invoice.currency, invoice_total=invoice.total
    )
    period = {"start": invoice.period_start, "end": invoice.period_end}
    return {
        **invoice_amounts(invoice, coupon),
        "amountDue": money(balance.amount_due(invoice.total), invoice.currency),
        "credits": _credits(balance),
        "minimumSpendAdjustment": money(Decimal(0), invoice.currency),
        "lastUpdatedAt": info.context.now,
        "lines": [
            {
                "type": "BaseCharge",
                "description": line.description,
                "costDescription": line.description,
                "amount": money(line.amount, line.currency),
                "unitPrice": money(line.unit_price, line.currency),
                "quantity": line.quantity,
                "proration": False,
                "price": None,
                "usageLimit": None,
                "hasSoftLimit": None,
                "period": period,
                "lines": None,
            }
            for line in invoice.lines
        ],
    }


bindables: list[object] = [mutation]
