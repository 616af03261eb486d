"""A customer's entitlement answers, composed here once for every interface: REST v1 (C8, C9), GraphQL, the
provisioning answers of both, and the operator console's effective-entitlements page.

Each function fetches what the engine needs (the grants through ``selectors``, the usage of the current windows
through the registered ``usage_reader``, the credit wallets through ``credits.selectors``) and asks the engine
(``entitlements.evaluation``); the interfaces only shape the typed answer. Reads only; the query counts are those
of the selectors they call, whatever the number of grants.

The ``cached_*`` functions answer from the decision cache (``config.decision_cache``), keyed by everything the
answer depends on. An interface may cache its own rendering of an answer (REST keeps its JSON bytes, so a cached
check costs no rendering) by passing a ``render`` and a ``shape`` naming it; the composition, the keys and the
moment an answer stops being right stay here.
"""

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from config import decision_cache as cache
from credits.selectors import WalletView, customer_wallets, wallet_view
from entitlements import evaluation
from entitlements.selectors import currency_info, currency_info_of, customer_grants, customer_grants_and_feature
from entitlements.usage_reader import usage_reader

Rendered = TypeVar("Rendered")
ZERO = Decimal(0)


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


def entitlements_state(
    *, customer_ref_id: str, resource_ref_id: str | None, now: datetime
) -> tuple[evaluation.EntitlementsState, datetime | None]:
    """Every granted feature of the customer (with the usage of its current window) and every credit wallet, as
    the engine decides them without a request (C8), and the moment that answer stops being right (the earliest
    ``validUntil`` of its decisions and the wallets' next timed change). An unknown or archived customer is an
    answer (``access_denied_reason``), not an error."""
    grants = customer_grants(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
    usage = usage_reader().usages_in_windows(
        customer_ref_id=customer_ref_id,
        resource_ref_id=resource_ref_id,
        windows=evaluation.usage_windows(grants, now=now),
    )
    wallets = _credit_wallets(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
    state = evaluation.entitlements_state(grants, now=now, current_usage=usage, credit_wallets=wallets)
    valid_until = evaluation.earliest(
        *(decision.valid_until for decision in state.entitlements), *(wallet.changes_at for _, wallet in wallets)
    )
    return state, valid_until


def feature_check(
    *,
    customer_ref_id: str,
    resource_ref_id: str | None,
    feature_ref_id: str,
    requested_usage: Decimal | None,
    requested_values: Sequence[str],
    now: datetime,
) -> evaluation.Decision:
    """May the customer use the feature (this much, with these values)? (C9.) The usage counted is that of the
    feature's current window, read only when the customer's grants make it a metered feature of theirs. Denials
    (unknown customer or feature included) are answers, not errors."""
    grants, feature = customer_grants_and_feature(
        customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, feature_ref_id=feature_ref_id, now=now
    )
    usage = ZERO
    entitlement = evaluation.effective_entitlement(grants.grants, feature.ref_id, now=now) if feature else None
    if entitlement is not None and entitlement.feature.is_metered:
        usage = usage_reader().usage_in_window(
            customer_ref_id=customer_ref_id,
            resource_ref_id=resource_ref_id,
            feature_ref_id=entitlement.feature.ref_id,
            window=evaluation.usage_window(entitlement, now=now),
        )
    return evaluation.check(
        grants,
        feature=feature,
        now=now,
        current_usage=usage,
        requested_usage=requested_usage,
        requested_values=requested_values,
    )


def credit_check(
    *,
    customer_ref_id: str,
    resource_ref_id: str | None,
    currency_ref_id: str,
    requested_usage: Decimal | None,
    now: datetime,
) -> evaluation.CreditDecision:
    """The CREDIT side of C9: the customer's wallet in the currency and whether ``requested_usage`` fits its
    balance. Never cached (every ledger entry changes it)."""
    grants = customer_grants(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
    currency = currency_info(currency_ref_id)
    view = wallet_view(
        customer_ref_id=customer_ref_id, currency_ref_id=currency.ref_id, resource_ref_id=resource_ref_id, now=now
    )
    return evaluation.check_credit(
        grants, currency=currency, wallet=_credit_wallet(view), requested_usage=requested_usage
    )


def cached_state_answer(
    *,
    customer_ref_id: str,
    resource_ref_id: str | None,
    now: datetime,
    shape: Hashable,
    render: Callable[[evaluation.EntitlementsState], Rendered],
) -> Rendered:
    """``render`` of ``entitlements_state`` from the decision cache, under ``shape`` (one per rendering), kept until
    the customer, its usage, its wallets or the catalog change, or its ``validUntil`` passes."""

    def compute() -> tuple[Rendered, datetime | None]:
        state, valid_until = entitlements_state(
            customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now
        )
        return render(state), valid_until

    return cache.cached_answer(
        customer_ref_id=customer_ref_id, parts=("state", shape, resource_ref_id), now=now, compute=compute
    )


def cached_entitlements_state(
    *, customer_ref_id: str, resource_ref_id: str | None, now: datetime
) -> evaluation.EntitlementsState:
    """``entitlements_state`` from the decision cache."""
    return cached_state_answer(
        customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now, shape="engine", render=_as_is
    )


def cached_check_answer(
    *,
    customer_ref_id: str,
    resource_ref_id: str | None,
    feature_ref_id: str,
    requested_usage: Decimal | None,
    requested_values: Sequence[str],
    now: datetime,
    shape: Hashable,
    render: Callable[[evaluation.Decision], Rendered],
) -> Rendered:
    """``render`` of ``feature_check`` from the decision cache, under ``shape`` and everything in the request."""
    requested_values = tuple(requested_values)

    def compute() -> tuple[Rendered, datetime | None]:
        decision = feature_check(
            customer_ref_id=customer_ref_id,
            resource_ref_id=resource_ref_id,
            feature_ref_id=feature_ref_id,
            requested_usage=requested_usage,
            requested_values=requested_values,
            now=now,
        )
        return render(decision), decision.valid_until

    return cache.cached_answer(
        customer_ref_id=customer_ref_id,
        parts=("check", shape, feature_ref_id, resource_ref_id, requested_usage, requested_values),
        now=now,
        compute=compute,
    )


def cached_feature_check(
    *,
    customer_ref_id: str,
    resource_ref_id: str | None,
    feature_ref_id: str,
    requested_usage: Decimal | None,
    requested_values: Sequence[str],
    now: datetime,
) -> evaluation.Decision:
    """``feature_check`` from the decision cache."""
    return cached_check_answer(
        customer_ref_id=customer_ref_id,
        resource_ref_id=resource_ref_id,
        feature_ref_id=feature_ref_id,
        requested_usage=requested_usage,
        requested_values=requested_values,
        now=now,
        shape="engine",
        render=_as_is,
    )


def _as_is(answer: Rendered) -> Rendered:
    return answer
