"""Credit objects as the Stigg client parses them (contract §2.6, §3.10)."""

from datetime import datetime
from typing import Any

from catalog.models import CustomCurrency
from config.wire import iso, number
from credits.models import AutoRechargeSettings, CreditConsumption, CreditGrant, CreditInvoice, LedgerEntry
from credits.selectors import UsageSeries, grant_status


def _invoice_to_wire(invoice: CreditInvoice | None) -> dict[str, Any] | None:
    if invoice is None:
        return None
    return {
        "billingId": str(invoice.ref_id),
        "billingReason": "MANUAL",
        "createdAt": iso(invoice.created_at),
        "updatedAt": iso(invoice.updated_at),
        "currency": invoice.currency,
        "dueDate": None,
        "errorMessage": invoice.collection_error or None,
        "paymentUrl": None,
        "pdfUrl": None,
        "requiresAction": False,
        "status": invoice.status,
        "subTotal": number(invoice.total),
        "tax": 0,
        "total": number(invoice.total),
    }


def grant_to_wire(grant: CreditGrant, *, now: datetime) -> dict[str, Any]:
    # A grant without an invoice raises a subclass of AttributeError: getattr answers None.
    invoice = getattr(grant, "invoice", None)
    return {
        "id": str(grant.ref_id),
        "amount": number(grant.amount),
        "consumedAmount": number(grant.consumed_amount),
        "cost": {"amount": number(grant.cost_amount), "currency": grant.cost_currency},
        "createdAt": iso(grant.created_at),
        "updatedAt": iso(grant.updated_at),
        "currencyId": grant.balance.currency.ref_id,
        "customerId": grant.balance.customer.ref_id,
        "displayName": grant.display_name,
        "effectiveAt": iso(grant.effective_at),
        "expireAt": iso(grant.expire_at),
        "grantType": grant.grant_type,
        "invoiceId": str(invoice.ref_id) if invoice else None,
        "latestInvoice": _invoice_to_wire(invoice),
        "metadata": dict(grant.metadata),
        "paymentCollection": grant.payment_collection,
        "priority": grant.priority,
        "status": grant_status(grant, now=now),
        "comment": grant.comment,
        "resourceId": grant.balance.resource_key or None,
        "sourceType": grant.source_type,
        "syncStates": [],
        "voidedAt": iso(grant.voided_at),
    }


def ledger_entry_to_wire(entry: LedgerEntry) -> dict[str, Any]:
    consumption = entry.consumption
    return {
        "amount": number(entry.amount),
        "creditCurrencyId": entry.balance.currency.ref_id,
        "creditGrantId": str(entry.grant.ref_id),
        "customerId": entry.balance.customer.ref_id,
        "eventType": entry.event_type,
        "timestamp": iso(entry.timestamp),
        "eventId": str(consumption.ref_id) if consumption else None,
        "featureId": consumption.feature_ref_id if consumption else None,
        "breakdown": None,
        "holdReturnedAmount": None,
        "metadata": None,
        "reservationId": None,
        "resourceId": entry.balance.resource_key or None,
    }


def consumption_to_wire(consumption: CreditConsumption) -> dict[str, Any]:
    balance = consumption.balance
    return {
        "amount": number(consumption.amount),
        "currencyId": balance.currency.ref_id,
        "customerId": consumption.customer.ref_id,
        "timestamp": iso(consumption.timestamp),
        "resourceId": balance.resource_key or None,
        "credit": {
            "currencyId": balance.currency.ref_id,
            "currentUsage": number(consumption.current_usage),
            "usageLimit": number(consumption.usage_limit),
            "timestamp": iso(consumption.created_at),
            "usagePeriodEnd": None,
        },
        "entities": [],
    }


def usage_to_wire(
    series: list[UsageSeries],
    *,
    currency: CustomCurrency | None,
    next_cursor: str | None = None,
    prev_cursor: str | None = None,
) -> dict[str, Any]:
    return {
        "series": [
            {
                "eventCount": item.event_count,
                "totalCredits": number(item.total),
                "featureId": item.feature_ref_id,
                "featureName": item.feature_ref_id,
                "tags": [{"key": key, "value": value} for key, value in item.tags],
                "points": [
                    {"eventCount": point.event_count, "timestamp": iso(point.timestamp), "value": number(point.value)}
                    for point in item.points
                ],
            }
            for item in series
        ],
        "pagination": {"next": next_cursor, "prev": prev_cursor},
        "currency": (
            {
                "currencyId": currency.ref_id,
                "displayName": currency.display_name,
                "plural": currency.unit_plural,
                "singular": currency.unit_singular,
                "symbol": currency.symbol,
            }
            if currency is not None
            else None
        ),
    }


def auto_recharge_to_wire(
    settings: AutoRechargeSettings | None, *, customer_ref_id: str, currency_ref_id: str, monthly_spend: Any
) -> dict[str, Any]:
    """AR1's ``AutoRecharge``; the defaults (disabled, nothing configured) when there are no settings."""
    if settings is None:
        return {
            "id": None,
            "customerId": customer_ref_id,
            "currencyId": currency_ref_id,
            "isEnabled": False,
            "thresholdType": "CREDIT_AMOUNT",
            "thresholdValue": 0,
            "targetBalance": 0,
            "maxSpendLimit": None,
            "grantExpirationPeriod": "1_MONTH",
            "currentMonthlySpend": 0,
            "createdAt": None,
            "updatedAt": None,
        }
    return {
        "id": str(settings.pk),
        "customerId": customer_ref_id,
        "currencyId": currency_ref_id,
        "isEnabled": settings.is_enabled,
        "thresholdType": settings.threshold_type,
        "thresholdValue": number(settings.threshold_value),
        "targetBalance": number(settings.target_balance),
        "maxSpendLimit": number(settings.max_spend_limit),
        "grantExpirationPeriod": settings.grant_expiration_period,
        "currentMonthlySpend": number(monthly_spend),
        "createdAt": iso(settings.created_at),
        "updatedAt": iso(settings.updated_at),
    }
