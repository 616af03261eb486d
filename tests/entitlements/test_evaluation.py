"""The entitlement engine as a pure table: every source, merge rule and denial reason. No database, no clock."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from entitlements.evaluation import (
    AccessDeniedReason,
    CreditWallet,
    CurrencyInfo,
    CustomerGrants,
    FeatureInfo,
    Grant,
    GrantSource,
    SourceKind,
    check,
    check_credit,
    effective_entitlement,
    effective_entitlements,
    entitlements_state,
    usage_window,
    usage_windows,
    window_rule,
)

D = Decimal
R = AccessDeniedReason
NOW = datetime(2024, 3, 15, 12, tzinfo=UTC)
STARTED = datetime(2024, 1, 31, 10, tzinfo=UTC)

SSO = FeatureInfo("sso", "Single sign-on", "ACTIVE", "BOOLEAN")
SEATS = FeatureInfo("seats", "Seats", "ACTIVE", "NUMBER")
CALLS = FeatureInfo("api-calls", "API calls", "ACTIVE", "NUMBER", "INCREMENTAL")
STORAGE = FeatureInfo("storage", "Storage", "ACTIVE", "NUMBER", "FLUCTUATING")
TIER = FeatureInfo("tier", "Support tier", "NEW", "ENUM")


def plan(feature: FeatureInfo, *, sub: str = "sub-1", ref: str = "plan-pro", **fields: Any) -> Grant:
    return Grant(feature, GrantSource(SourceKind.PLAN, ref, sub), usage_anchor=STARTED, **fields)


def trial(feature: FeatureInfo, *, sub: str = "sub-trial", ref: str = "plan-trial", **fields: Any) -> Grant:
    return Grant(feature, GrantSource(SourceKind.TRIAL, ref, sub), usage_anchor=STARTED, **fields)


def parent(feature: FeatureInfo, *, depth: int = 1, sub: str = "sub-1", ref: str = "plan-base", **fields: Any) -> Grant:
    source = GrantSource(SourceKind.PARENT_PLAN, ref, sub)
    return Grant(feature, source, inheritance_depth=depth, usage_anchor=STARTED, **fields)


def addon(
    feature: FeatureInfo,
    *,
    quantity: int = 1,
    override: bool = False,
    sub: str = "sub-1",
    ref: str = "addon-x",
    **fields: Any,
) -> Grant:
    behavior = "Override" if override else "Increment"
    source = GrantSource(SourceKind.ADDON, ref, sub)
    return Grant(feature, source, behavior=behavior, quantity=quantity, usage_anchor=STARTED, **fields)


def custom(feature: FeatureInfo, *, sub: str = "sub-1", **fields: Any) -> Grant:
    return Grant(feature, GrantSource(SourceKind.CUSTOM, sub, sub), usage_anchor=STARTED, **fields)


def promo(feature: FeatureInfo, *, ref: str = "promo-1", **fields: Any) -> Grant:
    fields.setdefault("usage_anchor", datetime(2024, 3, 1, tzinfo=UTC))
    return Grant(feature, GrantSource(SourceKind.PROMOTIONAL, ref), **fields)


def customer(*grants: Grant, subscriptions: tuple[str, ...] | None = None, **flags: Any) -> CustomerGrants:
    if subscriptions is None:
        subscriptions = tuple(
            dict.fromkeys(g.source.subscription_ref_id for g in grants if g.source.subscription_ref_id)
        )
    return CustomerGrants(customer_found=True, subscription_ref_ids=subscriptions, grants=grants, **flags)


@dataclass(frozen=True)
class Case:
    name: str
    customer: CustomerGrants
    feature: FeatureInfo | None
    # (isGranted, accessDeniedReason, usageLimit, hasUnlimitedUsage, enum values, source kinds in order)
    expected: tuple[bool, R | None, int | None, bool, tuple[str, ...], tuple[str, ...]]
    request: dict[str, Any] = field(default_factory=dict)


NOTHING: tuple[str, ...] = ()
CASES = [
    # --- who and what ---------------------------------------------------------------------------------------------
    Case(
        "unknown customer",
        CustomerGrants(customer_found=False),
        SSO,
        (False, R.CUSTOMER_NOT_FOUND, None, False, NOTHING, NOTHING),
    ),
    Case(
        "archived customer",
        CustomerGrants(customer_found=True, customer_archived=True, grants=(plan(SSO),)),
        SSO,
        (False, R.CUSTOMER_IS_ARCHIVED, None, False, NOTHING, NOTHING),
    ),
    Case("unknown feature", customer(plan(SSO)), None, (False, R.FEATURE_NOT_FOUND, None, False, NOTHING, NOTHING)),
    Case(
        "unknown resource",
        customer(plan(SSO), resource_found=False),
        SSO,
        (False, R.CUSTOMER_RESOURCE_NOT_FOUND, None, False, NOTHING, NOTHING),
    ),
    Case("no subscription", customer(), SSO, (False, R.NO_ACTIVE_SUBSCRIPTION, None, False, NOTHING, NOTHING)),
    Case(
        "subscription without the feature",
        customer(plan(SEATS, usage_limit=5)),
        SSO,
        (False, R.NO_FEATURE_ENTITLEMENT_IN_SUBSCRIPTION, None, False, NOTHING, NOTHING),
    ),
    Case(
        "live subscription without entitlements",
        customer(subscriptions=("sub-1",)),
        SSO,
        (False, R.NO_FEATURE_ENTITLEMENT_IN_SUBSCRIPTION, None, False, NOTHING, NOTHING),
    ),
    # --- plan and parent chain ------------------------------------------------------------------------------------
    Case("plan grants a boolean", customer(plan(SSO)), SSO, (True, None, None, False, NOTHING, ("PLAN",))),
    Case(
        "plan overrides its parent, even downwards",
        customer(plan(SEATS, usage_limit=10), parent(SEATS, usage_limit=100)),
        SEATS,
        (True, None, 10, False, NOTHING, ("PLAN",)),
    ),
    Case(
        "nearest parent overrides the grandparent",
        customer(parent(SEATS, usage_limit=50), parent(SEATS, depth=2, ref="plan-free", usage_limit=500)),
        SEATS,
        (True, None, 50, False, NOTHING, ("PARENT_PLAN",)),
    ),
    Case("inherited only", customer(parent(SSO)), SSO, (True, None, None, False, NOTHING, ("PARENT_PLAN",))),
    Case(
        "plan not granting overrides a granting parent",
        customer(plan(SSO, is_granted=False), parent(SSO)),
        SSO,
        (False, R.NO_FEATURE_ENTITLEMENT_IN_SUBSCRIPTION, None, False, NOTHING, NOTHING),
    ),
    # --- add-ons times quantity ---------------------------------------------------------------------------------------
    Case(
        "increment adds limit times quantity",
        customer(plan(SEATS, usage_limit=10), addon(SEATS, quantity=3, usage_limit=5)),
        SEATS,
        (True, None, 25, False, NOTHING, ("PLAN", "ADDON")),
    ),
    Case(
        "increments of two add-ons add up",
        customer(plan(SEATS, usage_limit=10), addon(SEATS, usage_limit=5), addon(SEATS, ref="addon-y", usage_limit=1)),
        SEATS,
        (True, None, 16, False, NOTHING, ("PLAN", "ADDON", "ADDON")),
    ),
    Case(
        "override replaces with limit times quantity, even downwards",
        customer(plan(SEATS, usage_limit=10), addon(SEATS, quantity=2, override=True, usage_limit=4)),
        SEATS,
        (True, None, 8, False, NOTHING, ("ADDON",)),
    ),
    Case(
        "the most generous override, then increments on top",
        customer(
            plan(SEATS, usage_limit=10),
            addon(SEATS, override=True, usage_limit=20),
            addon(SEATS, ref="addon-o2", override=True, usage_limit=15),
            addon(SEATS, ref="addon-i", usage_limit=5),
        ),
        SEATS,
        (True, None, 25, False, NOTHING, ("ADDON", "ADDON", "ADDON")),
    ),
    Case(
        "increment on unlimited stays unlimited",
        customer(plan(SEATS, has_unlimited_usage=True), addon(SEATS, quantity=2, usage_limit=5)),
        SEATS,
        (True, None, None, True, NOTHING, ("PLAN", "ADDON")),
    ),
    Case(
        "add-on grants what the plan lacks",
        customer(plan(SSO), addon(SEATS, quantity=2, usage_limit=5)),
        SEATS,
        (True, None, 10, False, NOTHING, ("ADDON",)),
    ),
    Case(
        "add-on quantity 0 adds nothing",
        customer(plan(SEATS, usage_limit=10), addon(SEATS, quantity=0, usage_limit=5)),
        SEATS,
        (True, None, 10, False, NOTHING, ("PLAN", "ADDON")),
    ),
    Case(
        "enum increment joins values, override replaces them",
        customer(
            plan(TIER, enum_values=("community",)),
            addon(TIER, enum_values=("email",)),
            plan(TIER, sub="sub-2", ref="plan-other", enum_values=("community",)),
            addon(TIER, sub="sub-2", override=True, enum_values=("priority",)),
        ),
        TIER,
        (True, None, None, False, ("community", "email", "priority"), ("PLAN", "ADDON", "ADDON")),
    ),
    # --- custom, trial, promotions --------------------------------------------------------------------------------
    Case(
        "subscription custom entitlement replaces plan and add-ons",
        customer(plan(SEATS, usage_limit=10), addon(SEATS, usage_limit=5), custom(SEATS, usage_limit=3)),
        SEATS,
        (True, None, 3, False, NOTHING, ("CUSTOM",)),
    ),
    Case("a trial's plan grants", customer(trial(SSO)), SSO, (True, None, None, False, NOTHING, ("TRIAL",))),
    Case(
        "a promotion grants with no subscription",
        customer(promo(SSO)),
        SSO,
        (True, None, None, False, NOTHING, ("PROMOTIONAL",)),
    ),
    Case(
        "an expired promotion grants nothing",
        customer(promo(SSO, expires_at=NOW)),
        SSO,
        (False, R.NO_ACTIVE_SUBSCRIPTION, None, False, NOTHING, NOTHING),
    ),
    # --- across sources: the most generous ------------------------------------------------------------------------
    Case(
        "higher limit of two subscriptions",
        customer(plan(SEATS, usage_limit=10), plan(SEATS, sub="sub-2", ref="plan-site", usage_limit=50)),
        SEATS,
        (True, None, 50, False, NOTHING, ("PLAN", "PLAN")),
    ),
    Case(
        "unlimited promotion beats a plan limit",
        customer(plan(SEATS, usage_limit=100), promo(SEATS, has_unlimited_usage=True)),
        SEATS,
        (True, None, None, True, NOTHING, ("PROMOTIONAL", "PLAN")),
    ),
    Case(
        "a paid plan beats a smaller trial",
        customer(trial(SEATS, usage_limit=5), plan(SEATS, usage_limit=20)),
        SEATS,
        (True, None, 20, False, NOTHING, ("PLAN", "TRIAL")),
    ),
    Case(
        "boolean granted when any source grants it",
        customer(plan(SSO, is_granted=False), promo(SSO)),
        SSO,
        (True, None, None, False, NOTHING, ("PROMOTIONAL",)),
    ),
    Case(
        "enum values are the union of the sources",
        customer(plan(TIER, enum_values=("community", "email")), promo(TIER, enum_values=("priority", "email"))),
        TIER,
        (True, None, None, False, ("community", "email", "priority"), ("PLAN", "PROMOTIONAL")),
        {"requested_values": ("community", "priority")},
    ),
    # --- requests -------------------------------------------------------------------------------------------------
    Case(
        "requested value not granted",
        customer(plan(TIER, enum_values=("community",))),
        TIER,
        (False, R.REQUESTED_VALUES_MISMATCH, None, False, ("community",), ("PLAN",)),
        {"requested_values": ("community", "priority")},
    ),
    Case(
        "configuration value covers the request",
        customer(plan(SEATS, usage_limit=10)),
        SEATS,
        (True, None, 10, False, NOTHING, ("PLAN",)),
        {"requested_usage": D(10)},
    ),
    Case(
        "configuration value below the request",
        customer(plan(SEATS, usage_limit=10)),
        SEATS,
        (False, R.REQUESTED_USAGE_EXCEEDING_LIMIT, 10, False, NOTHING, ("PLAN",)),
        {"requested_usage": D(11)},
    ),
    Case(
        "metered: room for the request",
        customer(plan(CALLS, usage_limit=10)),
        CALLS,
        (True, None, 10, False, NOTHING, ("PLAN",)),
        {"requested_usage": D(3), "current_usage": D(7)},
    ),
    Case(
        "metered: request over the remaining quota",
        customer(plan(CALLS, usage_limit=10)),
        CALLS,
        (False, R.REQUESTED_USAGE_EXCEEDING_LIMIT, 10, False, NOTHING, ("PLAN",)),
        {"requested_usage": D(4), "current_usage": D(7)},
    ),
    Case(
        "metered: quota used up, nothing requested",
        customer(plan(CALLS, usage_limit=10)),
        CALLS,
        (False, R.REQUESTED_USAGE_EXCEEDING_LIMIT, 10, False, NOTHING, ("PLAN",)),
        {"current_usage": D(10)},
    ),
    Case(
        "metered: a limit of 0 grants no usage",
        customer(plan(CALLS, usage_limit=0)),
        CALLS,
        (False, R.REQUESTED_USAGE_EXCEEDING_LIMIT, 0, False, NOTHING, ("PLAN",)),
    ),
    Case(
        "soft limit lets usage through",
        customer(plan(CALLS, usage_limit=10, has_soft_limit=True)),
        CALLS,
        (True, None, 10, False, NOTHING, ("PLAN",)),
        {"requested_usage": D(5), "current_usage": D(10)},
    ),
    Case(
        "soft limit wins a tie across sources",
        customer(plan(CALLS, usage_limit=10), promo(CALLS, usage_limit=10, has_soft_limit=True)),
        CALLS,
        (True, None, 10, False, NOTHING, ("PROMOTIONAL", "PLAN")),
        {"requested_usage": D(50)},
    ),
    Case(
        "unlimited takes any request",
        customer(plan(CALLS, has_unlimited_usage=True)),
        CALLS,
        (True, None, None, True, NOTHING, ("PLAN",)),
        {"requested_usage": D(10**12), "current_usage": D(10**12)},
    ),
    Case(
        "requested usage of a boolean",
        customer(plan(SSO)),
        SSO,
        (False, R.FEATURE_TYPE_MISMATCH, None, False, NOTHING, ("PLAN",)),
        {"requested_usage": D(1)},
    ),
    Case(
        "requested values of a number",
        customer(plan(SEATS, usage_limit=3)),
        SEATS,
        (False, R.FEATURE_TYPE_MISMATCH, 3, False, NOTHING, ("PLAN",)),
        {"requested_values": ("a",)},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_check(case: Case) -> None:
    decision = check(case.customer, feature=case.feature, now=NOW, **case.request)

    enum_values = decision.entitlement.enum_values if decision.entitlement else ()
    assert (
        decision.is_granted,
        decision.access_denied_reason,
        decision.usage_limit,
        decision.has_unlimited_usage,
        enum_values,
        tuple(source.kind.value for source in decision.sources),
    ) == case.expected
    assert decision.feature == case.feature


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_one_feature_merges_as_it_merges_among_all(case: Case) -> None:
    """The check path merges only the asked feature's grants: the same value as merging every feature."""
    everything = effective_entitlements(case.customer.grants, now=NOW)

    for ref_id in [*everything, "no-such-feature"]:
        assert effective_entitlement(case.customer.grants, ref_id, now=NOW) == everything.get(ref_id)


def test_sources_name_the_packages_and_subscriptions() -> None:
    decision = check(
        customer(plan(SEATS, usage_limit=10), addon(SEATS, ref="addon-seats", usage_limit=5)), feature=SEATS, now=NOW
    )

    assert [str(source) for source in decision.sources] == ["PLAN plan-pro (sub-1)", "ADDON addon-seats (sub-1)"]


def test_current_usage_counts_only_for_metered_features() -> None:
    configuration = check(customer(plan(SEATS, usage_limit=10)), feature=SEATS, now=NOW, current_usage=D(99))
    metered = check(customer(plan(CALLS, usage_limit=100)), feature=CALLS, now=NOW, current_usage=D(99))

    assert (configuration.is_granted, configuration.current_usage) == (True, 0)
    assert (metered.is_granted, metered.current_usage) == (True, 99)


def test_metered_feature_that_resets_has_its_usage_window_and_valid_until() -> None:
    grant = plan(CALLS, usage_limit=100, reset_period="MONTH", reset_anchor="SubscriptionStart")

    decision = check(customer(grant), feature=CALLS, now=NOW)

    assert decision.reset_period == "MONTH"
    assert decision.usage_period is not None
    assert (decision.usage_period.anchor, decision.usage_period.start, decision.usage_period.end) == (
        STARTED,
        datetime(2024, 2, 29, 10, tzinfo=UTC),
        datetime(2024, 3, 31, 10, tzinfo=UTC),
    )
    assert decision.valid_until == datetime(2024, 3, 31, 10, tzinfo=UTC)


def test_fluctuating_usage_never_resets() -> None:
    decision = check(customer(plan(STORAGE, usage_limit=5, reset_period="MONTH")), feature=STORAGE, now=NOW)

    assert (decision.is_granted, decision.usage_period, decision.reset_period, decision.valid_until) == (
        True,
        None,
        None,
        None,
    )


def test_a_usage_reset_starts_the_current_window_at_the_reset_but_never_resets_a_level() -> None:
    reset_at = datetime(2024, 3, 10, 8, tzinfo=UTC)
    grants = customer(
        plan(CALLS, usage_limit=100, reset_period="MONTH", reset_anchor="StartOfTheMonth", usage_reset_at=reset_at),
        plan(STORAGE, usage_limit=5, reset_period="MONTH", usage_reset_at=reset_at),
    )

    decision = check(grants, feature=CALLS, now=NOW)

    assert decision.usage_period is not None
    assert (decision.usage_period.start, decision.usage_period.end) == (reset_at, datetime(2024, 4, 1, tzinfo=UTC))
    assert usage_windows(grants, now=NOW) == {"api-calls": decision.usage_period, "storage": None}
    before = usage_windows(grants, now=reset_at - timedelta(seconds=1))["api-calls"]
    assert before is not None and before.start == datetime(2024, 3, 1, tzinfo=UTC)


def test_usage_windows_are_those_of_the_metered_features_the_checks_report() -> None:
    grants = customer(
        plan(CALLS, usage_limit=100, reset_period="MONTH", reset_anchor="SubscriptionStart"),
        plan(STORAGE, usage_limit=5, reset_period="MONTH"),
        plan(SEATS, usage_limit=5),
        plan(SSO),
    )

    windows = usage_windows(grants, now=NOW)

    assert windows == {"api-calls": check(grants, feature=CALLS, now=NOW).usage_period, "storage": None}
    assert windows["api-calls"] is not None and windows["api-calls"].start == datetime(2024, 2, 29, 10, tzinfo=UTC)


def test_the_window_rule_alone_gives_the_windows_of_its_entitlement() -> None:
    """Metering caches only ``window_rule`` per customer: ``usage_window`` gives the same windows from it."""
    reset_at = datetime(2024, 3, 10, 8, tzinfo=UTC)
    grants = customer(
        plan(CALLS, usage_limit=100, reset_period="MONTH", reset_anchor="StartOfTheMonth", usage_reset_at=reset_at),
        plan(STORAGE, usage_limit=5, reset_period="MONTH"),
        plan(SEATS, usage_limit=5),
    )
    moments = [STARTED, reset_at - timedelta(seconds=1), reset_at, NOW, NOW + timedelta(days=40)]

    for entitlement in effective_entitlements(grants.grants, now=NOW).values():
        for moment in moments:
            assert usage_window(window_rule(entitlement), now=moment) == usage_window(entitlement, now=moment)
    assert usage_window(window_rule(effective_entitlements(grants.grants, now=NOW)["storage"]), now=NOW) is None


def test_valid_until_is_the_earliest_change_of_any_granting_source() -> None:
    trial_end = NOW + timedelta(days=3)
    promotion_end = NOW + timedelta(days=10)
    grants = customer(trial(SSO, changes_at=trial_end), promo(SSO, expires_at=promotion_end))

    assert check(grants, feature=SSO, now=NOW).valid_until == trial_end
    assert check(customer(promo(SSO, expires_at=promotion_end)), feature=SSO, now=NOW).valid_until == promotion_end


def test_valid_until_stops_at_a_usage_window_that_ends_first() -> None:
    grant = promo(CALLS, usage_limit=5, reset_period="DAY", expires_at=NOW + timedelta(days=30))

    decision = check(customer(grant), feature=CALLS, now=NOW)

    assert decision.valid_until == datetime(2024, 3, 16, tzinfo=UTC)


def test_entitlement_updated_at_is_the_latest_contributing_change() -> None:
    older, newer = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
    grants = customer(plan(SEATS, usage_limit=10, updated_at=older), addon(SEATS, usage_limit=1, updated_at=newer))

    assert check(grants, feature=SEATS, now=NOW).updated_at == newer


# --- C8: the state of every entitlement ---------------------------------------------------------------------------


def test_state_lists_granted_features_by_id_with_each_decision() -> None:
    grants = customer(
        plan(SSO),
        plan(CALLS, usage_limit=10),
        plan(TIER, is_granted=False, enum_values=("community",)),
        promo(SEATS, usage_limit=3),
    )

    state = entitlements_state(grants, now=NOW, current_usage={"api-calls": D(10)})

    assert state.access_denied_reason is None
    assert [
        (decision.feature.ref_id, decision.is_granted, decision.access_denied_reason) for decision in state.entitlements
    ] == [  # type: ignore[union-attr]
        ("api-calls", False, R.REQUESTED_USAGE_EXCEEDING_LIMIT),
        ("seats", True, None),
        ("sso", True, None),
    ]


@pytest.mark.parametrize(
    ("grants", "reason"),
    [
        (CustomerGrants(customer_found=False), R.CUSTOMER_NOT_FOUND),
        (CustomerGrants(customer_found=True, customer_archived=True), R.CUSTOMER_IS_ARCHIVED),
        (customer(plan(SSO), resource_found=False), R.NO_ACTIVE_SUBSCRIPTION),
        (customer(), R.NO_ACTIVE_SUBSCRIPTION),
        (customer(promo(SSO, expires_at=NOW)), R.NO_ACTIVE_SUBSCRIPTION),
    ],
    ids=["unknown customer", "archived", "unknown resource", "nothing", "only an expired promotion"],
)
def test_state_denied_as_a_whole(grants: CustomerGrants, reason: R) -> None:
    assert entitlements_state(grants, now=NOW).access_denied_reason == reason
    assert entitlements_state(grants, now=NOW).entitlements == ()


def test_state_of_a_live_subscription_without_entitlements_is_empty_but_not_denied() -> None:
    state = entitlements_state(customer(subscriptions=("sub-1",)), now=NOW)

    assert (state.access_denied_reason, state.entitlements) == (None, ())


def test_state_with_only_a_promotion_is_not_denied() -> None:
    state = entitlements_state(customer(promo(SSO)), now=NOW)

    assert state.access_denied_reason is None
    assert [decision.feature.ref_id for decision in state.entitlements] == ["sso"]  # type: ignore[union-attr]


# --- the CREDIT side -----------------------------------------------------------------------------------------------

CREDITS = CurrencyInfo("ai-tokens", "AI tokens")
UNKNOWN_CURRENCY = CurrencyInfo("gold", "gold", is_found=False)
WALLET = CreditWallet(usage_limit=Decimal(100), current_usage=Decimal(60))


@pytest.mark.parametrize(
    ("grants", "currency", "reason"),
    [
        (CustomerGrants(customer_found=False), CREDITS, R.CUSTOMER_NOT_FOUND),
        (CustomerGrants(customer_found=True, customer_archived=True), CREDITS, R.CUSTOMER_IS_ARCHIVED),
        (customer(resource_found=False), CREDITS, R.CUSTOMER_RESOURCE_NOT_FOUND),
        (customer(plan(SSO)), UNKNOWN_CURRENCY, R.ENTITLEMENT_NOT_FOUND),
    ],
    ids=["unknown customer", "archived", "unknown resource", "unknown currency"],
)
def test_credit_checks_are_denied_before_reading_the_wallet(
    grants: CustomerGrants, currency: CurrencyInfo, reason: R
) -> None:
    decision = check_credit(grants, currency=currency, wallet=WALLET)

    assert (decision.is_granted, decision.access_denied_reason, decision.currency) == (False, reason, currency)
    assert (decision.usage_limit, decision.current_usage) == (0, 0)


@pytest.mark.parametrize(
    ("wallet", "requested", "reason"),
    [
        (None, None, R.INSUFFICIENT_CREDITS),
        (WALLET, None, None),
        (WALLET, Decimal(40), None),
        (WALLET, Decimal("40.5"), R.INSUFFICIENT_CREDITS),
        (CreditWallet(usage_limit=Decimal(10), current_usage=Decimal(10)), None, R.INSUFFICIENT_CREDITS),
        (CreditWallet(usage_limit=Decimal(10), current_usage=Decimal(10)), Decimal(0), None),
    ],
    ids=["no wallet", "balance left", "request fits", "request exceeds", "used up", "nothing requested of it"],
)
def test_credit_checks_compare_the_request_with_the_balance(
    wallet: CreditWallet | None, requested: Decimal | None, reason: R | None
) -> None:
    decision = check_credit(customer(plan(SSO)), currency=CREDITS, wallet=wallet, requested_usage=requested)

    assert (decision.is_granted, decision.access_denied_reason) == (reason is None, reason)
    expected = wallet or CreditWallet()
    assert (decision.usage_limit, decision.current_usage) == (expected.usage_limit, expected.current_usage)
