"""Currencies and money. Amounts are ``Decimal`` with a currency; never float."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

# The 116 lowercase ISO-4217 codes the Stigg client accepts (contract §6), in its order.
CURRENCY_CODES = (
    "usd aed all amd ang aud awg azn bam bbd bdt bgn bif bmd bnd bsd bwp byn bzd brl cad cdf chf cny czk dkk dop dzd "
    "egp etb eur fjd gbp gel gip gmd gyd hkd hrk htg idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lbp lkr lrd "
    "lsl mad mdl mga mkd mmk mnt mop mro mvr mwk mxn myr mzn nad ngn nok npr nzd pgk php pkr pln qar ron rsd rub rwf "
    "sar sbd scr sek sgd sle sll sos szl thb tjs top try ttd tzs uah uzs vnd vuv wst xaf xcd yer zar zmw clp djf gnf "
    "ugx pyg xof xpf"
).split()

ZERO_DECIMAL_CURRENCIES = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                                     "vuv", "xaf", "xof", "xpf"})

Currency = models.TextChoices("Currency", [(code.upper(), code) for code in CURRENCY_CODES])

# Prices may be fractions of a minor unit (e.g. 0.0004 per API call); invoices quantize at their boundary.
PRICE_MAX_DIGITS = 20
PRICE_DECIMAL_PLACES = 6
ROUNDING = ROUND_HALF_UP


def quantize_to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    """The one rounding rule for charged amounts: half up to the currency's minor unit."""
    exponent = Decimal("1") if currency in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    return amount.quantize(exponent, rounding=ROUNDING)


def decimal_to_wire(value: Decimal | None) -> int | float | None:
    """JSON numbers on the wire (the contract forbids strings): integral values as int, the rest as float."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)
