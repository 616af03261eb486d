"""Changing a subscription in place: S3 update, S7 migrate, S8/S9 cancel scheduled updates (contract §3.3), and
the update preview ``POST /api/v1/subscriptions/{id}/preview`` (beyond the contract: the ``Preview`` shape for an
update, with a ``proration`` object added).

The update and its preview read the same body (``UpdateInput``) into the same ``UpdateRequest`` and ask the same
computation (``services.changes.subscription_change``), so the preview answers what the update would do.
"""

from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import enums as catalog_enums
from catalog.apis.fields import Choice, Metadata
from catalog.apis.inputs import POSITIVE_INTEGER_MAX
from config.errors import InvalidInput
from config.serializers import nullable_list
from config.views import ApiView
from config.wire import envelope, iso, number
from subscriptions import enums
from subscriptions.apis.preview import balance_to_wire, immediate_invoice_to_wire, preview_invoice_to_wire
from subscriptions.apis.shared_inputs import (
    AddonInput,
    AppliedCouponInput,
    BillingInformationInput,
    ChargeInput,
    SubscriptionEntitlementInput,
    coupon_arguments,
    custom_entitlements,
    feature_quantities,
)
from subscriptions.apis.subscriptions import API_ACTOR, SubscriptionView
from subscriptions.apis.wire import subscriptions_to_wire
from subscriptions.quote import coupon_terms
from subscriptions.selectors import subscription_get
from subscriptions.services import changes, migration, scheduled_updates, update_requests, updates
from subscriptions.services.balance import BalanceOutcome

S = serializers

# Inputs that change what is sold and that this server does not implement yet: refused rather than ignored.
UNSUPPORTED = ("priceOverrides", "minimumSpend", "budget")


class UpdateBillingInformationInput(BillingInformationInput):
    couponId = S.CharField(required=False, allow_null=True, allow_blank=True)


class SubscriptionUpdateInput(S.Serializer):
    """``UpdateInput``, plus ``unitQuantity`` (as in provisioning). Accepted and ignored, as there is no payment
    provider: ``awaitPaymentConfirmation``, ``salesforceId`` and billing information other than ``couponId`` and
    ``taxPercentage``. ``billingCycleAnchor`` may only be ``UNCHANGED``: updates keep the billing cycle."""

    addons = AddonInput(many=True, required=False)
    appliedCoupon = AppliedCouponInput(required=False, allow_null=True)
    awaitPaymentConfirmation = S.BooleanField(required=False, allow_null=True)
    billingCycleAnchor = S.ChoiceField(choices=["UNCHANGED", "NOW"], required=False, allow_null=True)
    billingInformation = UpdateBillingInformationInput(required=False, allow_null=True)
    billingPeriod = Choice(catalog_enums.BillingPeriod, required=False)
    budget = S.DictField(required=False, allow_null=True)
    cancellationDate = S.DateTimeField(required=False, allow_null=True)
    charges = ChargeInput(many=True, required=False)
    entitlements = nullable_list(SubscriptionEntitlementInput, required=False)
    metadata = Metadata(required=False)
    minimumSpend = S.DictField(required=False, allow_null=True)
    priceOverrides = S.ListField(required=False, allow_null=True)
    promotionCode = S.CharField(required=False, allow_null=True, allow_blank=True)
    salesforceId = S.CharField(required=False, allow_null=True)
    scheduleStrategy = Choice(enums.ScheduleStrategy, required=False, allow_null=True)
    trialEndDate = S.DateTimeField(required=False)
    unitQuantity = S.IntegerField(required=False, allow_null=True, min_value=0, max_value=POSITIVE_INTEGER_MAX)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {name: ["is not supported yet"] for name in UNSUPPORTED if attrs.get(name)}
        if attrs.get("promotionCode"):
            errors["promotionCode"] = ["is not supported: name a coupon with appliedCoupon.couponId"]
        if attrs.get("billingCycleAnchor") == "NOW":
            errors["billingCycleAnchor"] = ["is not supported: an update keeps the billing cycle"]
        if errors:
            raise S.ValidationError(errors)
        return attrs


def _coupon_fields(body: dict[str, Any]) -> dict[str, Any]:
    """``appliedCoupon`` (``null`` or no ``couponId`` removes the coupon) or ``billingInformation.couponId``
    (``null`` or ``""`` removes it); both may be given only when they agree."""
    fields: dict[str, Any] = {}
    if "appliedCoupon" in body:
        fields = coupon_arguments(body["appliedCoupon"])
    billing_information = body.get("billingInformation") or {}
    if "couponId" in billing_information:
        coupon_ref_id = billing_information["couponId"] or None
        if fields and fields["coupon_ref_id"] != coupon_ref_id:
            raise InvalidInput("names another coupon than appliedCoupon.couponId", field="billingInformation.couponId")
        fields = {"coupon_ref_id": coupon_ref_id, "coupon_start_date": fields.get("coupon_start_date")}
    return fields


def update_request(body: dict[str, Any]) -> update_requests.UpdateRequest:
    """A validated ``UpdateInput`` as the service's request: absent keys stay ``UNCHANGED``."""
    fields: dict[str, Any] = {"schedule_strategy": body.get("scheduleStrategy")}
    renamed = {
        "metadata": "metadata",
        "cancellationDate": "cancellation_date",
        "trialEndDate": "trial_end_date",
        "unitQuantity": "unit_quantity",
        "billingPeriod": "billing_period",
    }
    for wire_name, name in renamed.items():
        if wire_name in body:
            fields[name] = body[wire_name]
    if "charges" in body:
        fields["feature_quantities"] = feature_quantities(body)
    if "addons" in body:
        fields["addons"] = [(addon["id"], addon["quantity"]) for addon in body["addons"]]
    if "entitlements" in body:
        # A full replacement: ``null`` or ``[]`` removes every custom entitlement.
        fields["entitlements"] = custom_entitlements(body["entitlements"])
    if "taxPercentage" in (body.get("billingInformation") or {}):
        fields["tax_percentage"] = body["billingInformation"]["taxPercentage"]
    fields.update(_coupon_fields(body))
    return update_requests.UpdateRequest(**fields)


def _subscription_response(ref_id: str) -> Response:
    return envelope(subscriptions_to_wire([subscription_get(ref_id)])[0])


class SubscriptionDetailView(SubscriptionView):
    """``/subscriptions/{id}``: S2 (``SubscriptionView.get``) and S3."""

    request_serializers = {"patch": SubscriptionUpdateInput}

    def patch(self, request: Request, ref_id: str) -> Response:
        subscription = subscription_get(ref_id)
        updates.subscription_update(
            subscription_id=subscription.pk,
            request=update_request(self.body(request)),
            now=timezone.now(),
            actor=API_ACTOR,
        )
        return _subscription_response(ref_id)


def update_preview_to_wire(change: changes.SubscriptionChange, balance: BalanceOutcome) -> dict[str, Any]:
    coupon = change.target.quote.coupon
    terms = coupon_terms(coupon) if coupon is not None else None
    proration = change.proration
    start, end = change.period
    immediate_invoice = change.immediate_invoice
    return {
        "immediateInvoice": immediate_invoice_to_wire(immediate_invoice, terms, balance),
        "recurringInvoice": preview_invoice_to_wire(change.recurring_invoice, terms),
        "billingPeriodRange": {"start": iso(start), "end": iso(end)},
        "isPlanDowngrade": change.is_downgrade,
        "hasScheduledUpdates": change.has_scheduled_updates,
        "freeItems": [],
        # Beyond the contract: the change's proration when it takes effect (Stigg's estimateSubscriptionUpdate),
        # credit negative. It is invoiced only when it takes effect now and ``net`` is positive.
        "proration": {
            "prorationDate": iso(proration.at),
            "credit": number(-proration.credit.total),
            "debit": number(proration.debit.total),
            "net": number(proration.net.total),
            "currency": proration.net.currency,
        }
        if proration is not None
        else None,
        "effectiveAt": iso(change.effective_at),
        "customerBalance": balance_to_wire(balance),
    }


class SubscriptionUpdatePreviewView(ApiView):
    request_serializers = {"post": SubscriptionUpdateInput}

    def post(self, request: Request, ref_id: str) -> Response:
        subscription = subscription_get(ref_id)
        change = updates.subscription_update_preview(
            subscription_id=subscription.pk, request=update_request(self.body(request)), now=timezone.now()
        )
        return envelope(update_preview_to_wire(change, updates.change_balance_outcome(change)))


class SubscriptionMigrateInput(S.Serializer):
    subscriptionMigrationTime = Choice(enums.MigrationTime, required=False, allow_null=True)


class SubscriptionMigrateView(ApiView):
    request_serializers = {"post": SubscriptionMigrateInput}

    def post(self, request: Request, ref_id: str) -> Response:
        body = self.body(request)
        migration.subscription_migrate_to_latest(
            subscription_id=subscription_get(ref_id).pk,
            now=timezone.now(),
            when=body.get("subscriptionMigrationTime") or enums.MigrationTime.IMMEDIATE,
            actor=API_ACTOR,
        )
        return _subscription_response(ref_id)


class _FutureUpdateCancelView(ApiView):
    status: str

    def delete(self, request: Request, ref_id: str) -> Response:
        subscription = subscription_get(ref_id)
        scheduled_updates.scheduled_updates_cancel(
            subscription_id=subscription.pk, status=self.status, now=timezone.now(), actor=API_ACTOR
        )
        return envelope({"id": subscription.ref_id})


class SubscriptionScheduledUpdatesCancelView(_FutureUpdateCancelView):
    """S8: cancel the subscription's ``SCHEDULED`` updates."""

    status = enums.ScheduleStatus.SCHEDULED


class SubscriptionPendingPaymentUpdatesCancelView(_FutureUpdateCancelView):
    """S9: cancel the subscription's ``PENDING_PAYMENT`` updates (none exist without a payment provider)."""

    status = enums.ScheduleStatus.PENDING_PAYMENT
