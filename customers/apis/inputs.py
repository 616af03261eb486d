"""Request bodies of the customer endpoints (contract §3.1 ``CustomerInput``), camelCase on the wire.

Top-level keys map to service arguments (snake_case); nested objects that are stored as JSON keep their wire keys.
They check shape and types only; business rules live in the services.
"""

from typing import Any

from rest_framework import serializers

from catalog.apis.fields import Choice, Metadata
from catalog.money import Currency
from config.serializers import nullable_list
from customers import enums

S = serializers

# The column width behind every customer string (``Customer`` and ``CustomerResource``).
TEXT_MAX_LENGTH = 255


class StrictCharField(S.CharField):
    """A JSON string and nothing else: DRF's ``CharField`` would quietly turn numbers into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def Text(**kwargs: Any) -> StrictCharField:
    kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
    return StrictCharField(**kwargs)


def OptionalText(**kwargs: Any) -> StrictCharField:
    """An optional string that may be ``null`` (clear) or empty."""
    return Text(required=False, allow_null=True, allow_blank=True, **kwargs)


class AddressInput(S.Serializer):
    city = OptionalText()
    country = OptionalText()
    line1 = OptionalText()
    line2 = OptionalText()
    postalCode = OptionalText()
    state = OptionalText()


class TaxIdInput(S.Serializer):
    type = Text()
    value = Text()


class StripePassthroughInput(S.Serializer):
    billingAddress = AddressInput(required=False, allow_null=True)
    customerName = OptionalText()
    invoiceCustomFields = Metadata(required=False, allow_null=True)
    metadata = Metadata(required=False, allow_null=True)
    paymentMethodId = OptionalText()
    shippingAddress = AddressInput(required=False, allow_null=True)
    taxIds = nullable_list(TaxIdInput, required=False)


class ZuoraPassthroughInput(S.Serializer):
    billingAddress = AddressInput(required=False, allow_null=True)
    currency = Choice(Currency, required=False, allow_null=True)
    metadata = Metadata(required=False, allow_null=True)
    paymentMethodId = OptionalText()


class PassthroughInput(S.Serializer):
    stripe = StripePassthroughInput(required=False, allow_null=True)
    zuora = ZuoraPassthroughInput(required=False, allow_null=True)


class IntegrationInput(S.Serializer):
    id = Text()
    syncedEntityId = Text(allow_null=True)
    vendorIdentifier = Choice(enums.VendorIdentifier)


class PaymentMethodInput(S.Serializer):
    """Every key is required by the contract, each may be ``null``."""

    billingId = Text(allow_null=True)
    cardExpiryMonth = S.IntegerField(allow_null=True, min_value=1, max_value=12)
    cardExpiryYear = S.IntegerField(allow_null=True, min_value=0, max_value=9999)
    cardLast4Digits = Text(allow_null=True)
    type = Choice(enums.PaymentMethodType, allow_null=True)


class CustomerUpdateInput(S.Serializer):
    billingCurrency = Choice(Currency, source="billing_currency", required=False, allow_null=True)
    billingId = OptionalText(source="billing_id")
    couponId = OptionalText(source="coupon_ref_id")
    email = OptionalText()
    integrations = nullable_list(IntegrationInput, required=False)
    language = OptionalText()
    metadata = Metadata(required=False, allow_null=True)
    name = OptionalText()
    passthrough = PassthroughInput(required=False, allow_null=True)
    timezone = OptionalText()


class CustomerProvisionInput(CustomerUpdateInput):
    id = Text(source="ref_id")
    defaultPaymentMethod = PaymentMethodInput(source="default_payment_method", required=False, allow_null=True)
