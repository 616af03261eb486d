"""S6 ``POST /api/v1/subscriptions/preview`` (contract §3.3): what a new subscription would be invoiced.

The view reads ``PreviewInput``, asks ``subscriptions.quote.subscription_preview`` and answers the ``Preview``
shape, with the payer's credit balance (``amountDue``, ``customerBalance``: the update preview's rule; the payer is
``payingCustomerId`` when given). Nothing is written. Keys the estimate does not depend on (``billingCycleAnchor``,
``resourceId``, ``scheduleStrategy``, billing information other than ``taxPercentage``) are accepted and ignored.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import enums
from catalog.apis.fields import Choice
from catalog.apis.inputs import POSITIVE_INTEGER_MAX
from config.serializers import nullable_list
from config.views import ApiView
from config.wire import envelope, iso, number
from subscriptions.apis.shared_inputs import (
    AddonInput,
    AppliedCouponInput,
    BillableFeatureInput,
    BillingInformationInput,
    ChargeInput,
    TrialOverrideConfigurationInput,
    coupon_arguments,
    feature_quantities,
    trial_override,
)
from subscriptions.pricing import CouponTerms, InvoiceDraft
from subscriptions.quote import SubscriptionPreview, subscription_preview
from subscriptions.services.balance import BalanceOutcome, subscription_preview_balance

S = serializers


class PreviewInput(S.Serializer):
    customerId = S.CharField()
    planId = S.CharField()
    addons = nullable_list(AddonInput, required=False)
    appliedCoupon = AppliedCouponInput(required=False, allow_null=True)
    billableFeatures = nullable_list(BillableFeatureInput, required=False)
    billingCountryCode = S.CharField(required=False, allow_null=True, allow_blank=True, max_length=8)
    billingInformation = BillingInformationInput(required=False, allow_null=True)
    billingPeriod = Choice(enums.BillingPeriod, required=False, allow_null=True)
    charges = nullable_list(ChargeInput, required=False)
    startDate = S.DateTimeField(required=False, allow_null=True)
    trialOverrideConfiguration = TrialOverrideConfigurationInput(required=False, allow_null=True)
    unitQuantity = S.IntegerField(required=False, allow_null=True, min_value=0, max_value=POSITIVE_INTEGER_MAX)
    payingCustomerId = S.CharField(required=False, allow_null=True, allow_blank=True)


def preview_invoice_to_wire(invoice: InvoiceDraft, coupon: CouponTerms | None) -> dict[str, Any]:
    applied = coupon if coupon is not None and invoice.coupon_ref_id == coupon.ref_id else None
    return {
        "subTotal": number(invoice.subtotal),
        "total": number(invoice.total),
        "discount": number(invoice.discount),
        "tax": number(invoice.tax),
        "currency": invoice.currency,
        "billingPeriodRange": {"start": iso(invoice.period_start), "end": iso(invoice.period_end)},
        "discountDetails": {
            "code": applied.ref_id,
            "percentage": number(applied.percent_off),
            "fixedAmount": number(applied.amounts_off.get(invoice.currency)),
        }
        if applied is not None
        else None,
        "discounts": [{"amount": number(invoice.discount), "currency": invoice.currency, "description": applied.name}]
        if applied is not None
        else [],
        "lines": [
            {
                "currency": line.currency,
                "description": line.description,
                "subTotal": number(line.amount),
                "unitPrice": number(line.unit_price),
                "quantity": number(line.quantity),
            }
            for line in invoice.lines
        ],
    }


def immediate_invoice_to_wire(
    invoice: InvoiceDraft, coupon: CouponTerms | None, balance: BalanceOutcome
) -> dict[str, Any]:
    """Beyond the contract: ``amountDue``, what is left to collect once the payer's credit balance paid its part."""
    return {**preview_invoice_to_wire(invoice, coupon), "amountDue": number(balance.amount_due(invoice.total))}


def balance_to_wire(balance: BalanceOutcome) -> dict[str, Any]:
    """Beyond the contract: the payer's credit balance before and after (what the immediate invoice takes from it,
    what a cheaper change credits)."""
    return {
        "currency": balance.currency,
        "startingBalance": number(balance.starting),
        "appliedToInvoice": number(balance.applied),
        "credited": number(balance.credited),
        "endingBalance": number(balance.ending),
    }


def preview_to_wire(preview: SubscriptionPreview, balance: BalanceOutcome) -> dict[str, Any]:
    return {
        "immediateInvoice": immediate_invoice_to_wire(preview.immediate_invoice, preview.coupon, balance),
        "recurringInvoice": preview_invoice_to_wire(preview.recurring_invoice, preview.coupon),
        "billingPeriodRange": {"start": iso(preview.billing_period_start), "end": iso(preview.billing_period_end)},
        "isPlanDowngrade": False,
        "hasScheduledUpdates": False,
        "freeItems": [],
        "customerBalance": balance_to_wire(balance),
    }


def preview_of(body: dict[str, Any], *, now: datetime) -> SubscriptionPreview:
    """A validated ``PreviewInput`` asked of ``quote.subscription_preview`` (REST and GraphQL read it one way)."""
    return subscription_preview(
        customer_ref_id=body["customerId"],
        plan_ref_id=body["planId"],
        billing_period=body.get("billingPeriod"),
        billing_country_code=body.get("billingCountryCode") or None,
        unit_quantity=body.get("unitQuantity"),
        feature_quantities=feature_quantities(body),
        addons=[(addon["id"], addon["quantity"]) for addon in body.get("addons") or []],
        tax_percentage=(body.get("billingInformation") or {}).get("taxPercentage"),
        start_date=body.get("startDate"),
        trial_override=trial_override(body.get("trialOverrideConfiguration")),
        now=now,
        paying_customer_ref_id=body.get("payingCustomerId"),
        **coupon_arguments(body.get("appliedCoupon")),
    )


class SubscriptionPreviewView(ApiView):
    request_serializers = {"post": PreviewInput}

    def post(self, request: Request) -> Response:
        preview = preview_of(self.body(request), now=timezone.now())
        return envelope(preview_to_wire(preview, subscription_preview_balance(preview)))
