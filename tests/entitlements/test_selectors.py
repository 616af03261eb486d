"""``customer_grants`` against the database: what it gathers from each source, its scope, its query count."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from customers.selectors import customer_get
from customers.services import customer_archive
from entitlements import services
from entitlements.evaluation import AccessDeniedReason, CustomerGrants, effective_entitlements, entitlements_state
from entitlements.selectors import customer_grants, customers_grants, grants_read_together
from subscriptions.services.custom_entitlements import (
    CustomEntitlementInput,
    custom_entitlements_build,
    custom_entitlements_write,
)
from tests.entitlements.builders import (
    catalog_for_entitlements,
    customer,
    extra_product,
    grant_promotion,
    holdings,
    provision,
)

NOW = datetime(2024, 3, 10, 9, tzinfo=UTC)
STARTED = datetime(2024, 2, 1, 12, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")


def summary(grants: CustomerGrants, now: datetime = NOW) -> dict[str, tuple[Any, ...]]:
    """Per feature: (granted, limit, unlimited, enum values, sources as "KIND id")."""
    return {
        ref_id: (
            value.is_granted,
            value.usage_limit,
            value.has_unlimited_usage,
            value.enum_values,
            [f"{source.kind} {source.ref_id}" for source in value.sources],
        )
        for ref_id, value in sorted(effective_entitlements(grants.grants, now=now).items())
    }


def test_plan_parent_and_add_ons_of_a_subscription(catalog: None) -> None:
    provision("plan-pro", now=STARTED, addons=[("addon-seats", 2), ("addon-calls", 1)])

    grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=NOW)

    assert grants.subscription_ref_ids != ()
    assert summary(grants) == {
        "api-calls": (True, 5000, False, (), ["ADDON addon-calls"]),
        "seats": (True, 30, False, (), ["PLAN plan-pro", "ADDON addon-seats"]),
        "sso": (True, None, False, (), ["PLAN plan-pro"]),
        "storage": (True, 10, False, (), ["PARENT_PLAN plan-basic"]),
        "support-tier": (True, None, False, ("email",), ["PLAN plan-pro"]),
    }


def test_the_whole_parent_chain_nearest_first(catalog: None) -> None:
    provision("plan-enterprise", now=STARTED)

    grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=NOW)

    assert summary(grants) == {
        "api-calls": (True, 1000, False, (), ["PARENT_PLAN plan-basic"]),
        "seats": (True, None, True, (), ["PLAN plan-enterprise"]),
        "sso": (True, None, False, (), ["PARENT_PLAN plan-pro"]),
        "storage": (True, 10, False, (), ["PARENT_PLAN plan-basic"]),
        "support-tier": (True, None, False, ("priority",), ["PLAN plan-enterprise"]),
    }
    seats = next(
        grant for grant in grants.grants if grant.source.ref_id == "plan-basic" and grant.feature.ref_id == "seats"
    )
    assert seats.inheritance_depth == 2


def test_a_trial_is_its_own_source_and_reports_its_end(catalog: None) -> None:
    subscription = provision("plan-pro", now=STARTED, trial=True)

    grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=STARTED + timedelta(days=1))
    sso = effective_entitlements(grants.grants, now=STARTED)["sso"]

    assert subscription.trial_end_date == STARTED + timedelta(days=14)
    assert ([f"{source.kind} {source.ref_id}" for source in sso.sources], sso.changes_at) == (
        ["TRIAL plan-pro"],
        subscription.trial_end_date,
    )


def test_a_trial_custom_entitlement_reports_the_trial_end_too(catalog: None) -> None:
    """The trial may end without converting, and the custom entitlements end with it, as the plan's do."""
    subscription = provision("plan-pro", now=STARTED, trial=True)
    custom = [CustomEntitlementInput(type="FEATURE", target_ref_id="seats", usage_limit=99)]
    custom_entitlements_write(subscription=subscription, entitlements=custom_entitlements_build(custom), now=STARTED)

    grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=STARTED + timedelta(days=1))
    seats = effective_entitlements(grants.grants, now=STARTED)["seats"]

    assert ([f"{source.kind} {source.ref_id}" for source in seats.sources], seats.usage_limit, seats.changes_at) == (
        [f"CUSTOM {subscription.ref_id}"],
        99,
        subscription.trial_end_date,
    )


def test_metered_usage_counts_from_the_subscription_start(catalog: None) -> None:
    provision("plan-basic", now=STARTED)

    state = entitlements_state(customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=NOW), now=NOW)
    calls = next(decision for decision in state.entitlements if decision.feature.ref_id == "api-calls")  # type: ignore[union-attr]

    assert calls.usage_period is not None
    assert (calls.usage_period.anchor, calls.usage_period.start, calls.usage_period.end) == (
        STARTED,
        datetime(2024, 3, 1, 12, tzinfo=UTC),
        datetime(2024, 4, 1, 12, tzinfo=UTC),
    )


def test_resource_scope(catalog: None) -> None:
    provision("plan-basic", now=STARTED)
    provision("plan-site", now=STARTED, resource_ref_id="site-1")

    customer_level = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=NOW)
    site = customer_grants(customer_ref_id="customer-1", resource_ref_id="site-1", now=NOW)
    unknown = customer_grants(customer_ref_id="customer-1", resource_ref_id="site-2", now=NOW)

    assert "site-analytics" not in summary(customer_level)
    assert len(customer_level.subscription_ref_ids) == 1
    assert summary(site)["site-analytics"] == (True, None, False, (), ["PLAN plan-site"])
    assert "seats" in summary(site)
    assert len(site.subscription_ref_ids) == 2
    assert unknown == CustomerGrants(customer_found=True, resource_found=False)


def test_unknown_and_archived_customers(catalog: None) -> None:
    archived = customer("customer-archived")
    customer_archive(customer=archived, now=NOW)

    assert customer_grants(customer_ref_id="nobody", resource_ref_id=None, now=NOW) == CustomerGrants(
        customer_found=False
    )
    assert customer_grants(customer_ref_id="customer-archived", resource_ref_id=None, now=NOW) == CustomerGrants(
        customer_found=True, customer_archived=True
    )


def test_ended_subscriptions_grant_nothing(catalog: None) -> None:
    provision("plan-basic", now=STARTED)
    provision("plan-enterprise", now=STARTED + timedelta(days=1))  # ends plan-basic (UPGRADE_OR_DOWNGRADE)

    grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=NOW)

    assert len(grants.subscription_ref_ids) == 1
    assert {source.ref_id for grant in grants.grants for source in [grant.source] if grant.source.kind == "PLAN"} == {
        "plan-enterprise"
    }


def test_only_promotions_in_force_are_gathered(catalog: None) -> None:
    grant_promotion("sso", at=NOW - timedelta(days=40))  # ended 9 days ago, still marked Active
    grant_promotion("seats", at=NOW - timedelta(days=1), usage_limit=7)
    grant_promotion("storage", at=NOW - timedelta(days=1), usage_limit=1)
    services.promotional_entitlement_revoke(
        customer=customer_get("customer-1"), feature_ref_id="storage", now=NOW, actor="test"
    )
    grant_promotion("support-tier", at=NOW + timedelta(hours=1), period="lifetime", enum_values=["priority"])

    grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=NOW)

    assert grants.subscription_ref_ids == ()
    assert [(grant.feature.ref_id, grant.usage_limit) for grant in grants.grants] == [("seats", 7)]
    assert grants.grants[0].expires_at == datetime(2024, 4, 9, 9, tzinfo=UTC)


# --- a fixed number of queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource_ref_id", [None, "site-1"])
def test_query_count_does_not_grow_with_what_the_customer_holds(
    catalog: None, django_assert_num_queries: DjangoAssertNumQueries, resource_ref_id: str | None
) -> None:
    for index in range(4):
        extra_product(index)
    holdings("small", products=1, promotions=["seats"])
    holdings("large", products=4, promotions=["seats", "storage"])
    now = STARTED + timedelta(days=1)

    # Customer with subscriptions, add-ons, parents, entitlements of every version, custom entitlements, promotions.
    with django_assert_num_queries(1):
        small = customer_grants(customer_ref_id="small", resource_ref_id=resource_ref_id, now=now)
    with django_assert_num_queries(1):
        large = customer_grants(customer_ref_id="large", resource_ref_id=resource_ref_id, now=now)

    site = 1 if resource_ref_id else 0
    assert (len(small.subscription_ref_ids), len(large.subscription_ref_ids)) == (1 + site, 4 + site)
    assert summary(large, now)["seats"][1] == 3 + 2  # plan-extra-3 (3) + its add-on x2; promotion of 3 is less
    assert summary(large, now)["storage"][1] == 3  # plan-extra-3-base (3) and the promotion (3)


def test_one_query_when_there_is_nothing_to_fetch(
    catalog: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        customer_grants(customer_ref_id="nobody", resource_ref_id=None, now=NOW)
    with django_assert_num_queries(1):
        customer_grants(customer_ref_id="customer-1", resource_ref_id="site-9", now=NOW)
    with django_assert_num_queries(1):
        grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=NOW)
    assert entitlements_state(grants, now=NOW).access_denied_reason == AccessDeniedReason.NO_ACTIVE_SUBSCRIPTION


# --- many customers at once ---------------------------------------------------------------------------------------


def test_many_customers_read_together_get_the_answers_read_one_by_one(
    catalog: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for index in range(4):
        extra_product(index)
    holdings("small", products=1, promotions=["seats"])
    holdings("large", products=4, promotions=["seats", "storage"])
    provision("plan-basic", now=STARTED)
    grant_promotion("sso", at=STARTED)
    customer("bare")
    customer_archive(customer=customer("archived"), now=STARTED)
    now = STARTED + timedelta(days=1)
    scopes = [
        (ref_id, resource)
        for ref_id in ("small", "large", "customer-1", "bare", "archived", "nobody")
        for resource in (None, "site-1", "site-9")
    ]

    with django_assert_num_queries(7):
        together = customers_grants(scopes, now=now)

    assert together == {
        (ref_id, resource): customer_grants(customer_ref_id=ref_id, resource_ref_id=resource, now=now)
        for ref_id, resource in scopes
    }
    assert len(together[("large", "site-1")].subscription_ref_ids) == 5


def test_inside_grants_read_together_the_first_read_serves_every_scope(
    catalog: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for ref_id in ("a", "b", "c"):
        customer(ref_id)
        provision("plan-basic", now=STARTED, customer_ref_id=ref_id)
    scopes = [("a", None), ("b", None), ("c", None)]
    alone = {scope: customer_grants(customer_ref_id=scope[0], resource_ref_id=None, now=NOW) for scope in scopes}

    # One read for the three (5 queries: no resource asked for, no parent plan), the outsider alone (one statement).
    with grants_read_together(scopes, now=NOW), django_assert_num_queries(5 + 1):
        read = {scope: customer_grants(customer_ref_id=scope[0], resource_ref_id=None, now=NOW) for scope in scopes}
        # Outside the scopes (or at another moment) a customer is read alone.
        customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=NOW)

    assert read == alone
