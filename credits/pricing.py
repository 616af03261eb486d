"""What one credit costs a customer, for auto-recharge charges and dollar thresholds.

The price is the catalog's top-up price for the currency (a price whose ``topUpCustomCurrencyId`` is the
currency) on the plan or add-ons of the customer's live subscriptions: its amount per block of ``blockSize``
credits. Without one, ``settings.CREDITS_DEFAULT_UNIT_PRICE`` (``(amount, currency)``, default one usd a credit)
applies, so a wallet can be recharged before the catalog prices its top-ups.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from catalog.models import CustomCurrency, Price
from customers.models import Customer
from subscriptions.models import LIVE_STATUSES, Subscription

DEFAULT_UNIT_PRICE = ("1", "usd")


@dataclass(frozen=True)
class UnitPrice:
    amount: Decimal
    currency: str


def credit_unit_price(*, customer: Customer, currency: CustomCurrency) -> UnitPrice:
    """The price of one credit of ``currency`` for ``customer`` (module doc). Two queries."""
    live = Subscription.objects.filter(customer=customer, status__in=LIVE_STATUSES)
    price = (
        Price.objects.filter(top_up_currency=currency)
        .filter(Q(version__in=live.values("plan_version")) | Q(version__in=live.values("addons__addon_version")))
        .exclude(amount__isnull=True)
        .order_by("pk")
        .first()
    )
    if price is not None and price.amount is not None:  # the amount is never None here (excluded above)
        block = price.block_size or Decimal(1)
        return UnitPrice(amount=price.amount / block, currency=price.currency)
    amount, code = getattr(settings, "CREDITS_DEFAULT_UNIT_PRICE", DEFAULT_UNIT_PRICE)
    return UnitPrice(amount=Decimal(str(amount)), currency=code)
