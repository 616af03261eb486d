"""Subscription objects as the Stigg client parses them (contract §2.3, §3.3 ``ProvisionResult``, §4 I2).

Reads only what ``selectors.subscriptions_for_wire`` fetched, plus the latest invoices fetched once per page.
"""

from collections.abc import Iterable
from typing import Any, overload

from catalog import enums as catalog_enums
from catalog.apis.wire import price_to_wire
from catalog.models import Price
from config.wire import iso, number
from subscriptions.enums import InvoiceStatus, ProvisionStatus, SubscriptionCouponStatus
from subscriptions.models import Invoice, Subscription
from subscriptions.pricing import coupon_applies
from subscriptions.quote import coupon_terms
from subscriptions.selectors import latest_invoices, subscription_prices


def _price_to_wire(price: Price, *, addon_ref_id: str | None) -> dict[str, Any]:
    charge = price_to_wire(price, include_used_in_subscriptions=False)
    return {
        "addonId": addon_ref_id,
        "amount": charge["price"]["amount"] if charge["price"] else None,
        "baseCharge": price.billing_model == catalog_enums.BillingModel.FLAT_FEE,
        "billingCountryCode": price.billing_country_code,
        "blockSize": charge["blockSize"],
        "currency": price.currency,
        "featureId": charge["featureId"],
        "tiers": charge["tiers"],
    }


def _prices_to_wire(subscription: Subscription) -> list[dict[str, Any]]:
    prices = subscription_prices(subscription)
    return [_price_to_wire(price, addon_ref_id=addon_ref_id) for price, addon_ref_id in prices]


def _coupons_to_wire(subscription: Subscription) -> list[dict[str, Any]]:
    coupon = subscription.coupon
    if coupon is None:
        return []
    status = SubscriptionCouponStatus.ACTIVE
    if subscription.coupon_applied_at and subscription.current_period_start:
        terms = coupon_terms(coupon)
        if not coupon_applies(
            coupon=terms, applied_at=subscription.coupon_applied_at, period_start=subscription.current_period_start
        ):
            status = SubscriptionCouponStatus.EXPIRED
    return [
        {
            "id": coupon.ref_id,
            "name": coupon.name,
            "status": status,
            "percentOff": number(coupon.percent_off),
            "amountsOff": [{"amount": number(row.amount), "currency": row.currency} for row in coupon.amounts_off.all()]
            or None,
        }
    ]


@overload
def invoice_to_wire(invoice: Invoice) -> dict[str, Any]: ...
@overload
def invoice_to_wire(invoice: None) -> None: ...
@overload
def invoice_to_wire(invoice: Invoice | None) -> dict[str, Any] | None: ...
def invoice_to_wire(invoice: Invoice | None) -> dict[str, Any] | None:
    if invoice is None:
        return None
    return {
        "billingId": invoice.billing_ref,
        "createdAt": iso(invoice.created_at),
        "requiresAction": False,
        "status": invoice.status,
        "amountDue": number(invoice.amount_due) if invoice.status == InvoiceStatus.OPEN else 0,
        "billingReason": invoice.billing_reason,
        "currency": invoice.currency,
        "pdfUrl": None,
        "total": number(invoice.total),
    }


def subscription_to_wire(subscription: Subscription, latest_invoice: Invoice | None) -> dict[str, Any]:
    version = subscription.plan_version
    return {
        "id": subscription.ref_id,
        "customerId": subscription.customer.ref_id,
        "planId": subscription.plan.ref_id,
        "resourceId": subscription.resource.ref_id if subscription.resource else None,
        "status": subscription.status,
        "pricingType": version.pricing_type or catalog_enums.PricingType.FREE,
        "paymentCollection": subscription.payment_collection,
        "paymentCollectionMethod": subscription.payment_collection_method,
        "billingId": subscription.billing_id,
        "startDate": iso(subscription.start_date),
        "billingCycleAnchor": iso(subscription.billing_cycle_anchor),
        "currentBillingPeriodStart": iso(subscription.current_period_start),
        "currentBillingPeriodEnd": iso(subscription.current_period_end),
        "trialEndDate": iso(subscription.trial_end_date),
        "trial": {"trialEndBehavior": subscription.trial_end_behavior} if subscription.trial_end_behavior else None,
        "cancellationDate": iso(subscription.cancellation_date),
        "effectiveEndDate": iso(subscription.effective_end_date),
        "endDate": iso(subscription.end_date),
        "cancelReason": subscription.cancel_reason,
        "metadata": subscription.metadata or {},
        "addons": [{"id": addon.addon.ref_id, "quantity": addon.quantity} for addon in subscription.addons.all()],
        "prices": _prices_to_wire(subscription),
        "coupons": _coupons_to_wire(subscription),
        "latestInvoice": invoice_to_wire(latest_invoice),
        # A scheduled end shows as cancellationDate; deferred changes (downgrades, migrations) are listed here.
        "futureUpdates": [
            {
                "scheduledExecutionTime": iso(update.execute_at),
                "scheduleStatus": update.status,
                "subscriptionScheduleType": update.schedule_type,
                "targetPackage": {"id": subscription.plan.ref_id},
            }
            # ``pending_updates``: a ``Prefetch(to_attr=...)`` of ``subscriptions_for_wire``, unknown to the model.
            for update in subscription.pending_updates  # type: ignore[attr-defined]
        ],
        "subscriptionEntitlements": [
            {"id": entitlement.target_ref_id, "type": entitlement.type}
            for entitlement in subscription.custom_entitlements.all()
        ],
        "budget": None,
        "minimumSpend": None,
        "payingCustomerId": subscription.paying_customer.ref_id if subscription.paying_customer else None,
        "contractId": None,
        "createdAt": iso(subscription.created_at),
    }


def subscriptions_to_wire(subscriptions: Iterable[Subscription]) -> list[dict[str, Any]]:
    """A page of subscriptions (from ``selectors.subscriptions_for_wire``), latest invoices fetched in one query."""
    subscriptions = list(subscriptions)
    invoices = latest_invoices(subscriptions)
    return [subscription_to_wire(subscription, invoices.get(subscription.pk)) for subscription in subscriptions]


def provision_result_to_wire(
    subscription: Subscription, *, is_scheduled: bool, entitlements: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": subscription.ref_id,
        "status": ProvisionStatus.SUCCESS,
        "subscription": subscriptions_to_wire([subscription])[0],
        "entitlements": entitlements,
        "isScheduled": is_scheduled,
        "checkoutUrl": None,
        "checkoutBillingId": None,
    }
