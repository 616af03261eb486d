"""``paywall`` (GetPaywall): the published plans of a product (of every product without ``productId``) with their
add-ons and prices localized for ``billingCountryCode``, from ``catalog.paywall.paywall_get`` as REST v1's
``GET /api/v1/paywall``. Plans are ``PackageVersion`` rows resolved as ``Plan``. With ``customerId``, the customer, the
resource and their live subscriptions are fields of the apps above this one (``subscriptions.apis.graphql.paywall``
binds them on ``Paywall``), which read the request from the answer's ``input``."""

from __future__ import annotations

from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from catalog.apis.graphql import loaders
from catalog.apis.graphql.values import currency_code
from catalog.money import Currency
from catalog.paywall import PaywallPackage, paywall_get

query = QueryType()

# Symbols of the currencies a paywall is most often priced in; others show their code.
CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹", "ils": "₪", "krw": "₩", "cny": "¥"}


def paywall_packages(info: GraphQLResolveInfo, input: dict[str, Any]) -> list[PaywallPackage]:
    """The paywall's plans, with the loaders primed for them and serving their localized prices and add-ons."""
    plans = paywall_get(
        product_ref_id=input.get("productId"),
        billing_country_code=input.get("billingCountryCode"),
        all_country_prices=bool(input.get("fetchAllCountriesPrices")),
    )
    # Our catalog hides no plan from the paywall, so ``includeHiddenPlans`` changes nothing.
    loaders.prime_versions(info, [item.version for item in plans] + [a.version for item in plans for a in item.addons])
    for item in plans:
        loaders.remember_prices(info, item.version, item.prices)
        addons = sorted((addon.version for addon in item.addons), key=lambda version: version.package.ref_id)
        loaders.remember_compatible_addons(info, item.version, addons)
        for addon in item.addons:
            loaders.remember_prices(info, addon.version, addon.prices)
    return plans


def paywall_currency(plans: list[PaywallPackage]) -> dict[str, str]:
    """The currency the paywall's prices are in: its first plan price's (USD when no plan has a price)."""
    currency = next((price.currency for item in plans for price in item.prices), Currency.USD)
    return {"code": currency_code(currency), "symbol": CURRENCY_SYMBOLS.get(currency, currency_code(currency))}


@query.field("paywall")
def resolve_paywall(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    plans = paywall_packages(info, input)
    return {
        "plans": [item.version for item in plans],
        "currency": paywall_currency(plans),
        "configuration": None,  # no paywall styling is stored: the widgets use their defaults
        "paywallCalculatedPricePoints": None,
        # for the fields about the customer (``customer``, ``resource``, ``activeSubscriptions``)
        "input": input,
    }


bindables = [query]
