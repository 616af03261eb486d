"""Request inputs of the credit endpoints, camelCase on the wire, service terms in ``validated_data``.

They check shape and types only; amounts, priorities and thresholds are judged by the services (one place per
rule), which name the field in their errors.
"""

from typing import Any

from rest_framework import serializers

from catalog.apis.fields import Amount, Choice, Metadata
from catalog.money import Currency
from credits import enums
from credits.services.consumption import ConsumptionRequest
from credits.services.grants import GrantRequest
from credits.services.recharge import AutoRechargeInput as AutoRechargeSettingsInput

S = serializers
TEXT_MAX_LENGTH = 255


class CostInput(S.Serializer):
    amount = Amount()
    currency = Choice(Currency)


class GrantBillingInformationInput(S.Serializer):
    billingAddress = S.DictField(required=False)
    invoiceDaysUntilDue = S.IntegerField(required=False, min_value=0)
    isInvoicePaid = S.BooleanField(required=False)


class GrantInput(S.Serializer):
    """Contract ``GrantInput`` (G1)."""

    amount = Amount()
    currencyId = S.CharField(source="currency_ref_id", max_length=TEXT_MAX_LENGTH)
    customerId = S.CharField(source="customer_ref_id", max_length=TEXT_MAX_LENGTH)
    displayName = S.CharField(source="display_name", max_length=TEXT_MAX_LENGTH)
    grantType = S.ChoiceField(source="grant_type", choices=[value.value for value in enums.REQUESTABLE_GRANT_TYPES])
    awaitPaymentConfirmation = S.BooleanField(source="await_payment_confirmation", required=False)
    billingInformation = GrantBillingInformationInput(required=False)
    comment = S.CharField(required=False, allow_null=True, allow_blank=True)
    cost = CostInput(required=False, allow_null=True)
    effectiveAt = S.DateTimeField(source="effective_at", required=False, allow_null=True)
    expireAt = S.DateTimeField(source="expire_at", required=False, allow_null=True)
    metadata = Metadata(required=False, allow_null=True)
    paymentCollectionMethod = Choice(enums.PaymentCollectionMethod, source="payment_collection_method", required=False)
    priority = S.IntegerField(required=False)
    resourceId = S.CharField(source="resource_ref_id", required=False, allow_null=True, max_length=TEXT_MAX_LENGTH)


class ConsumptionInput(S.Serializer):
    """One consumption (CN1 body, CN2 item)."""

    amount = Amount()
    currencyId = S.CharField(source="currency_ref_id", max_length=TEXT_MAX_LENGTH)
    customerId = S.CharField(source="customer_ref_id", max_length=TEXT_MAX_LENGTH)
    idempotencyKey = S.CharField(source="idempotency_key", max_length=TEXT_MAX_LENGTH)
    createdAt = S.DateTimeField(source="created_at", required=False, allow_null=True)
    dimensions = S.DictField(required=False, allow_null=True)
    resourceId = S.CharField(source="resource_ref_id", required=False, allow_null=True, max_length=TEXT_MAX_LENGTH)


class ConsumptionBatchInput(S.Serializer):
    # ``many=True`` hands ``max_length`` to the ListSerializer (DRF 3.15); the stubs check it against the child.
    consumptions = ConsumptionInput(many=True, allow_empty=False, max_length=1000)  # type: ignore[call-arg]


class AutoRechargeInput(S.Serializer):
    """The PUT beside AR1 (the seeds' ``saveAutomaticRechargeConfiguration``)."""

    customerId = S.CharField(source="customer_ref_id", max_length=TEXT_MAX_LENGTH)
    currencyId = S.CharField(source="currency_ref_id", max_length=TEXT_MAX_LENGTH)
    isEnabled = S.BooleanField(source="is_enabled")
    thresholdType = Choice(enums.ThresholdType, source="threshold_type", required=False)
    thresholdValue = Amount(source="threshold_value")
    targetBalance = Amount(source="target_balance")
    maxSpendLimit = Amount(source="max_spend_limit", required=False, allow_null=True)
    grantExpirationPeriod = Choice(enums.GrantExpirationPeriod, source="grant_expiration_period", required=False)


# --- validated data to service requests (REST v1 and GraphQL validate with these serializers, then call these) -----


def grant_request_of(data: dict[str, Any]) -> GrantRequest:
    """``GrantInput``'s validated data as the grant service's request: the cost split into amount and currency (a
    cost without a currency keeps the request's default), the billing information dropped (no invoice is sent
    here), absent optional fields left at the request's defaults."""
    data = dict(data)
    cost = data.pop("cost", None) or {}
    data.pop("billingInformation", None)
    for name in ("comment", "metadata", "effective_at", "expire_at", "resource_ref_id"):
        if data.get(name) is None:
            data.pop(name, None)
    if cost:
        data["cost_amount"] = cost["amount"]
        if cost.get("currency"):
            data["cost_currency"] = cost["currency"]
    return GrantRequest(**data)


def consumption_request_of(item: dict[str, Any]) -> ConsumptionRequest:
    """``ConsumptionInput``'s validated data (a CN1 body, a CN2 item) as the consumption service's request."""
    return ConsumptionRequest(
        customer_ref_id=item["customer_ref_id"],
        currency_ref_id=item["currency_ref_id"],
        amount=item["amount"],
        idempotency_key=item["idempotency_key"],
        resource_ref_id=item.get("resource_ref_id") or None,
        created_at=item.get("created_at"),
        dimensions=item.get("dimensions") or {},
    )


def auto_recharge_input_of(data: dict[str, Any]) -> AutoRechargeSettingsInput:
    """``AutoRechargeInput``'s validated data as the settings service's input: a credit-amount threshold, grants
    expiring after a month and no spend limit unless given."""
    return AutoRechargeSettingsInput(
        **{
            "threshold_type": enums.ThresholdType.CREDIT_AMOUNT,
            "grant_expiration_period": enums.GrantExpirationPeriod.ONE_MONTH,
            "max_spend_limit": None,
            **{name: value for name, value in data.items() if value is not None or name == "max_spend_limit"},
        }
    )
