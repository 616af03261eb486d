"""C8 and C9 (contract §3.1): a customer's entitlements and one entitlement check.

Both read the grants through ``customer_grants`` and ask the engine; denials are 200 answers with an
``accessDeniedReason`` (an unknown customer or feature included). Only malformed queries are 400s.

A check by ``currencyId`` (the CREDIT side) reads the customer's wallet in that currency from the credits app
(``credits.selectors.wallet_view``): ``usageLimit`` is what the active grants granted, ``currentUsage`` what was
consumed, and ``requestedUsage`` is compared with the difference. C8 lists every wallet of the customer beside
the features.

``currentUsage`` of a metered feature is the usage metering counted in the feature's current window.
"""

from datetime import datetime

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from config.views import ApiView
from config.wire import envelope
from credits.selectors import WalletView, customer_wallets, wallet_view
from entitlements import evaluation
from entitlements.apis.inputs import EntitlementCheckQuery
from entitlements.apis.wire import credit_decision_to_wire, decision_to_wire, entitlements_state_to_wire
from entitlements.selectors import currency_info, currency_info_of, customer_grants, feature_info
from metering.selectors import ZERO, counter_period_start, current_usage, current_usages


def _credit_wallet(view: WalletView) -> evaluation.CreditWallet:
    return evaluation.CreditWallet(
        usage_limit=view.totals.usage_limit,
        current_usage=view.totals.current_usage,
        updated_at=view.updated_at,
        changes_at=view.changes_at,
    )


def _credit_wallets(
    *, customer_ref_id: str, resource_ref_id: str | None, now: datetime
) -> list[tuple[evaluation.CurrencyInfo, evaluation.CreditWallet]]:
    return [
        (currency_info_of(currency), _credit_wallet(view))
        for currency, view in customer_wallets(
            customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now
        )
    ]


class CustomerEntitlementsView(ApiView):
    def get(self, request: Request, ref_id: str) -> Response:
        now = timezone.now()
        resource_ref_id = request.query_params.get("resourceId") or None
        grants = customer_grants(customer_ref_id=ref_id, resource_ref_id=resource_ref_id, now=now)
        usage = current_usages(
            customer_ref_id=ref_id,
            resource_ref_id=resource_ref_id,
            windows=evaluation.usage_windows(grants, now=now),
        )
        state = evaluation.entitlements_state(
            grants,
            now=now,
            current_usage=usage,
            credit_wallets=_credit_wallets(customer_ref_id=ref_id, resource_ref_id=resource_ref_id, now=now),
        )
        return envelope(entitlements_state_to_wire(state, now=now))


class CustomerEntitlementCheckView(ApiView):
    def get(self, request: Request, ref_id: str) -> Response:
        query = EntitlementCheckQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        now = timezone.now()
        grants = customer_grants(customer_ref_id=ref_id, resource_ref_id=params["resource_ref_id"], now=now)
        if params.get("currency_ref_id"):
            currency = currency_info(params["currency_ref_id"])
            view = wallet_view(
                customer_ref_id=ref_id,
                currency_ref_id=currency.ref_id,
                resource_ref_id=params["resource_ref_id"],
                now=now,
            )
            credit = evaluation.check_credit(
                grants, currency=currency, wallet=_credit_wallet(view), requested_usage=params.get("requested_usage")
            )
            return envelope(credit_decision_to_wire(credit, now=now))
        feature = feature_info(params["feature_ref_id"])
        usage = ZERO
        windows = evaluation.usage_windows(grants, now=now)
        if feature is not None and feature.ref_id in windows:
            usage = current_usage(
                customer_ref_id=ref_id,
                resource_ref_id=params["resource_ref_id"],
                feature_ref_id=feature.ref_id,
                period_start=counter_period_start(windows[feature.ref_id]),
            )
        decision = evaluation.check(
            grants,
            feature=feature,
            now=now,
            current_usage=usage,
            requested_usage=params.get("requested_usage"),
            requested_values=params["requested_values"],
        )
        return envelope(decision_to_wire(decision))
