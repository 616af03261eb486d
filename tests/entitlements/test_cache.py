"""The decision cache (``config.decision_cache``): every change that can alter a check is seen by the next check, and
time-bound answers are never served past their ``validUntil``.

The cache is turned on here whatever the environment (local memory without ``REDIS_URL``, Redis with it).
Each test first shows the answer is cached (a change that bypasses the services, a queryset ``update``, is not
seen), so a passing invalidation test cannot be explained by there being no cache.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import enums as catalog_enums
from catalog.models import Feature
from catalog.selectors import feature_get, package_get
from catalog.services.entitlements import entitlement_update
from catalog.services.features import feature_archive, feature_create, feature_update
from catalog.services.packages import package_archive, package_create_draft, package_publish
from config import decision_cache as cache
from customers.models import Customer
from customers.selectors import customer_get
from customers.services import customer_archive, customer_provision, customer_resource_get_or_create, customer_unarchive
from entitlements import services
from entitlements.models import PromotionalEntitlement
from metering.services import UsageReport, usage_report
from subscriptions.models import Subscription, SubscriptionAddon
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.custom_entitlements import CustomEntitlementInput
from subscriptions.services.lifecycle import subscription_end_trial, subscription_renew
from subscriptions.services.migration import subscription_migrate_to_latest
from subscriptions.services.update_requests import UpdateRequest
from subscriptions.services.updates import subscription_update
from tests.entitlements.api_answers import check, state
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def decision_cache(settings: Any) -> Iterator[None]:
    settings.ENTITLEMENT_DECISION_CACHE = True
    cache.invalidate_all()
    yield


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")


@pytest.fixture
def pro(catalog: None) -> Subscription:
    return provision("plan-pro", now=timezone.now() - timedelta(days=3))


def seats_limit(client: APIClient) -> int | None:
    return check(client, "seats")["usageLimit"]


def bypass_seats_addon_quantity(subscription: Subscription, quantity: int) -> None:
    """A write that no service makes: the cache cannot know, so a cached answer keeps showing the old value."""
    SubscriptionAddon.objects.filter(subscription=subscription).update(quantity=quantity)


# --- the cache is on, and bypassing the services is not seen ---------------------------------------------------------


def test_an_answer_is_cached_and_costs_no_query_but_authentication(
    api_client: APIClient, pro: Subscription, django_assert_num_queries: Any
) -> None:
    first = check(api_client, "seats")

    Feature.objects.filter(ref_id="seats").update(display_name="Renamed behind the cache's back")
    with django_assert_num_queries(1):  # the API key
        again = check(api_client, "seats")

    assert again == first
    assert again["feature"]["displayName"] == "Seats"


def test_without_the_cache_every_check_reads_the_database(
    api_client: APIClient, pro: Subscription, settings: Any
) -> None:
    settings.ENTITLEMENT_DECISION_CACHE = False
    check(api_client, "seats")

    Feature.objects.filter(ref_id="seats").update(display_name="Renamed")

    assert check(api_client, "seats")["feature"]["displayName"] == "Renamed"


def test_the_cache_is_off_by_default_without_redis(settings: Any) -> None:
    del settings.ENTITLEMENT_DECISION_CACHE
    settings.REDIS_URL = ""
    assert not cache.enabled()
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    assert cache.enabled()


def test_answers_are_keyed_by_the_whole_query(api_client: APIClient, pro: Subscription) -> None:
    assert check(api_client, "seats", requestedUsage=20)["isGranted"] is True
    assert check(api_client, "seats", requestedUsage=21)["accessDeniedReason"] == "RequestedUsageExceedingLimit"
    assert check(api_client, "support-tier", requestedValues="email")["isGranted"] is True
    assert check(api_client, "support-tier", requestedValues="priority")["isGranted"] is False


def test_the_invalidation_after_commit_drops_what_was_cached_before_the_commit(
    api_client: APIClient, pro: Subscription, django_capture_on_commit_callbacks: Any
) -> None:
    """A reader between the write and its commit caches the old data under the new token; the second bump, after
    commit, makes that answer unreachable."""
    with django_capture_on_commit_callbacks() as callbacks:
        cache.invalidate_customer("customer-1")
        assert seats_limit(api_client) == 20  # cached from "pre-commit" data
        bypass_seats_addon_quantity(pro, 0)
        SubscriptionAddon.objects.create(
            subscription=pro,
            addon=package_get("ADDON", "addon-seats"),
            addon_version=package_get("ADDON", "addon-seats").versions.get(is_latest=True),
            quantity=2,
        )
        assert seats_limit(api_client) == 20
    for callback in callbacks:
        callback()

    assert seats_limit(api_client) == 30


# --- every source of change -------------------------------------------------------------------------------------------


def test_customer_provision_replaces_a_cached_customer_not_found(api_client: APIClient, catalog: None) -> None:
    assert check(api_client, "sso", "customer-new")["accessDeniedReason"] == "CustomerNotFound"

    customer_provision(ref_id="customer-new", now=timezone.now())

    assert check(api_client, "sso", "customer-new")["accessDeniedReason"] == "NoActiveSubscription"


def test_subscription_provision(api_client: APIClient, catalog: None) -> None:
    assert check(api_client, "sso")["accessDeniedReason"] == "NoActiveSubscription"
    assert state(api_client)["entitlements"] == []

    provision("plan-pro", now=timezone.now() - timedelta(days=1))

    assert check(api_client, "sso")["isGranted"] is True
    assert {item["feature"]["id"] for item in state(api_client)["entitlements"]} >= {"sso", "seats"}


def test_subscription_update_with_addons(api_client: APIClient, pro: Subscription) -> None:
    assert seats_limit(api_client) == 20

    subscription_update(
        subscription_id=pro.pk, request=UpdateRequest(addons=[("addon-seats", 2)]), now=timezone.now(), actor="test"
    )

    assert seats_limit(api_client) == 30


def test_subscription_custom_entitlements(api_client: APIClient, pro: Subscription) -> None:
    assert seats_limit(api_client) == 20

    custom = CustomEntitlementInput(type="FEATURE", target_ref_id="seats", usage_limit=99)
    subscription_update(
        subscription_id=pro.pk, request=UpdateRequest(entitlements=[custom]), now=timezone.now(), actor="test"
    )

    assert seats_limit(api_client) == 99


def test_subscription_cancel_now_and_at_period_end(api_client: APIClient, pro: Subscription) -> None:
    assert check(api_client, "sso")["validUntil"] is None

    subscription_cancel(subscription=pro, now=timezone.now(), actor="test", cancellation_time="END_OF_BILLING_PERIOD")
    assert check(api_client, "sso")["validUntil"] is not None

    subscription_cancel(subscription=pro, now=timezone.now(), actor="test", cancellation_time="IMMEDIATE")
    assert check(api_client, "sso")["accessDeniedReason"] == "NoActiveSubscription"


def test_trial_end(api_client: APIClient, catalog: None) -> None:
    trial = provision("plan-pro", now=timezone.now() - timedelta(days=20), trial=True)
    Subscription.objects.filter(pk=trial.pk).update(trial_end_behavior="CANCEL_SUBSCRIPTION")
    assert check(api_client, "sso")["isGranted"] is True  # the sweeper has not run yet: still IN_TRIAL

    assert subscription_end_trial(subscription_id=trial.pk, now=timezone.now()) is not None

    assert check(api_client, "sso")["isGranted"] is False


def test_renewal_invalidates(api_client: APIClient, catalog: None) -> None:
    subscription = provision("plan-pro", now=timezone.now() - timedelta(days=40))
    check(api_client, "seats")
    bypass_seats_addon_quantity(subscription, 0)
    SubscriptionAddon.objects.create(
        subscription=subscription,
        addon=package_get("ADDON", "addon-seats"),
        addon_version=package_get("ADDON", "addon-seats").versions.get(is_latest=True),
        quantity=1,
    )
    assert seats_limit(api_client) == 20  # cached

    assert subscription_renew(subscription_id=subscription.pk, now=timezone.now()) == 1

    assert seats_limit(api_client) == 25


def test_plan_publish_and_migration(api_client: APIClient, pro: Subscription) -> None:
    plan = package_get("PLAN", "plan-pro")
    package_create_draft(package=plan, now=timezone.now())
    entitlement_update(package=plan, target_ref_id="seats", changes={"usage_limit": 40}, now=timezone.now())
    assert seats_limit(api_client) == 20

    package_publish(package=plan, migration_type=catalog_enums.MigrationType.NEW_CUSTOMERS, now=timezone.now())
    assert seats_limit(api_client) == 20  # the subscription stays on its version

    subscription_migrate_to_latest(subscription_id=pro.pk, now=timezone.now(), actor="test")
    assert seats_limit(api_client) == 40


def test_parent_plan_publish(api_client: APIClient, pro: Subscription) -> None:
    """plan-pro inherits api-calls from plan-basic's latest version: publishing plan-basic changes plan-pro's."""
    before = check(api_client, "api-calls")["usageLimit"]
    basic = package_get("PLAN", "plan-basic")
    package_create_draft(package=basic, now=timezone.now())
    entitlement_update(package=basic, target_ref_id="api-calls", changes={"usage_limit": 7}, now=timezone.now())

    package_publish(package=basic, migration_type=catalog_enums.MigrationType.NEW_CUSTOMERS, now=timezone.now())

    assert (before, check(api_client, "api-calls")["usageLimit"]) == (1000, 7)


def test_package_archive_invalidates_everything(pro: Subscription) -> None:
    token = cache._tokens("customer-1")[0]

    package_archive(package=package_get("PLAN", "plan-enterprise"), now=timezone.now())

    assert cache._tokens("customer-1")[0] != token


def test_feature_create_update_and_archive(api_client: APIClient, pro: Subscription) -> None:
    assert check(api_client, "brand-new")["accessDeniedReason"] == "FeatureNotFound"
    feature_create(ref_id="brand-new", display_name="New", feature_type="BOOLEAN", now=timezone.now())
    assert check(api_client, "brand-new")["accessDeniedReason"] == "NoFeatureEntitlementInSubscription"

    feature_update(feature=feature_get("seats"), changes={"display_name": "Team seats"}, now=timezone.now())
    assert check(api_client, "seats")["feature"]["displayName"] == "Team seats"

    feature_archive(feature=feature_get("brand-new"), now=timezone.now())
    assert check(api_client, "brand-new")["feature"]["featureStatus"] == "SUSPENDED"


def test_promotion_grant_revoke_and_expiry_job(api_client: APIClient, catalog: None) -> None:
    assert check(api_client, "sso")["isGranted"] is False
    promotion_customer = customer_get("customer-1")

    services.promotional_entitlements_grant(
        customer=promotion_customer,
        grants=[services.PromotionGrant(feature_ref_id="sso", period="1 month")],
        now=timezone.now(),
        actor="test",
    )
    assert check(api_client, "sso")["isGranted"] is True

    services.promotional_entitlement_revoke(
        customer=promotion_customer, feature_ref_id="sso", now=timezone.now(), actor="test"
    )
    assert check(api_client, "sso")["isGranted"] is False

    services.promotional_entitlements_grant(
        customer=promotion_customer,
        grants=[services.PromotionGrant(feature_ref_id="seats", period="1 week", usage_limit=3)],
        now=timezone.now() - timedelta(days=8),
        actor="test",
    )
    promotion = PromotionalEntitlement.objects.get(feature__ref_id="seats", revoked_at__isnull=True)
    token = cache._tokens("customer-1")[1]
    assert services.promotional_entitlements_expire(promotion_ids=[promotion.pk], now=timezone.now()) == 1
    assert cache._tokens("customer-1")[1] != token


def test_usage_report(api_client: APIClient, pro: Subscription) -> None:
    assert check(api_client, "api-calls")["currentUsage"] == 0

    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(7))], now=timezone.now())

    assert check(api_client, "api-calls")["currentUsage"] == 7
    assert {item["feature"]["id"]: item["currentUsage"] for item in state(api_client)["entitlements"]}["api-calls"] == 7


def test_customer_archive_and_unarchive(api_client: APIClient, pro: Subscription) -> None:
    assert check(api_client, "sso")["isGranted"] is True

    customer_archive(customer=customer_get("customer-1"), now=timezone.now())
    assert check(api_client, "sso")["accessDeniedReason"] == "CustomerIsArchived"

    customer_unarchive(customer=Customer.objects.get(ref_id="customer-1"), now=timezone.now())
    assert check(api_client, "sso")["accessDeniedReason"] == "NoActiveSubscription"


def test_customer_resource_creation(api_client: APIClient, pro: Subscription) -> None:
    assert check(api_client, "sso", resourceId="site-1")["accessDeniedReason"] == "CustomerResourceNotFound"

    customer_resource_get_or_create(customer=customer_get("customer-1"), ref_id="site-1", now=timezone.now())

    assert check(api_client, "sso", resourceId="site-1")["isGranted"] is True


def test_other_customers_answers_stay_cached(api_client: APIClient, pro: Subscription) -> None:
    customer("customer-2")
    provision("plan-pro", now=timezone.now() - timedelta(days=3), customer_ref_id="customer-2")
    check(api_client, "sso", "customer-2")
    token = cache._tokens("customer-2")

    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(1))], now=timezone.now())

    assert cache._tokens("customer-2") == token


# --- time -------------------------------------------------------------------------------------------------------------


def test_an_ended_promotion_is_not_served_from_the_cache(api_client: APIClient, catalog: None) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.promotional_entitlements_grant(
            customer=customer_get("customer-1"),
            grants=[
                services.PromotionGrant(
                    feature_ref_id="sso", period="custom", custom_end_date=start + timedelta(hours=1)
                )
            ],
            now=start,
            actor="test",
        )
        granted = check(api_client, "sso")
        assert granted["isGranted"] is True
        assert granted["validUntil"] is not None

    with time_machine.travel(start + timedelta(hours=1, seconds=1), tick=False):
        assert check(api_client, "sso")["accessDeniedReason"] == "NoActiveSubscription"
        assert state(api_client)["entitlements"] == []


def test_a_new_usage_window_is_not_served_from_the_cache(api_client: APIClient, pro: Subscription) -> None:
    now = timezone.now()
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(5))], now=now)
    with time_machine.travel(now, tick=False):
        current = check(api_client, "api-calls")
    assert current["currentUsage"] == 5
    window_end = current["usagePeriodEnd"]

    # The wire shows milliseconds; the window ends within the following one.
    with time_machine.travel(datetime.fromisoformat(window_end) + timedelta(milliseconds=1), tick=False):
        fresh = check(api_client, "api-calls")

    assert fresh["currentUsage"] == 0
    assert fresh["usagePeriodStart"] == window_end


def test_a_scheduled_cancellation_is_not_served_past_its_date(api_client: APIClient, pro: Subscription) -> None:
    now = timezone.now()
    end = now + timedelta(days=2)
    subscription_cancel(subscription=pro, now=now, actor="test", cancellation_time="SPECIFIC_DATE", end_date=end)
    with time_machine.travel(now, tick=False):
        assert check(api_client, "sso")["isGranted"] is True
    # The cancellation job has not run: the subscription is still ACTIVE, so the fresh answer is computed again.
    with time_machine.travel(end + timedelta(seconds=1), tick=False):
        Feature.objects.filter(ref_id="sso").update(display_name="Recomputed")
        assert check(api_client, "sso")["feature"]["displayName"] == "Recomputed"


# --- through the official client, across threads (the live server) ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_official_client_sees_each_committed_change(stigg_client: Any) -> None:
    """The live server answers in another thread, from what was committed: each service's invalidation after
    commit reaches it."""
    catalog_for_entitlements()
    customer("customer-1")

    def granted() -> bool:
        return stigg_client.v1.customers.check_entitlement("customer-1", feature_id="sso").data.is_granted

    assert granted() is False
    assert granted() is False  # served from the cache now
    subscription = provision("plan-pro", now=timezone.now() - timedelta(days=1))
    assert granted() is True

    def used() -> Any:
        return stigg_client.v1.customers.check_entitlement("customer-1", feature_id="api-calls").data.current_usage

    assert used() == 0
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(3))], now=timezone.now())
    assert used() == 3
    subscription_cancel(subscription=subscription, now=timezone.now(), actor="test", cancellation_time="IMMEDIATE")
    assert granted() is False
