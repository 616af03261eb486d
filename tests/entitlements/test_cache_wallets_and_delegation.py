"""The decision cache and the two sources added beside the subscription lifecycle: credit wallets (C8 lists them)
and delegation, which moves a subscription's entitlements from one customer to another.

As in ``test_cache.py``, each test first shows the answer is cached (a write behind the services' back is not seen).
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import CustomCurrency
from config import decision_cache as cache
from subscriptions.models import Subscription
from subscriptions.services.ownership import subscription_delegate
from tests.credits.builders import consume, grant, wallet_setup
from tests.entitlements.api_answers import check, state
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def decision_cache(settings: Any) -> Iterator[None]:
    settings.ENTITLEMENT_DECISION_CACHE = True
    cache.invalidate_all()
    yield


def wallet(answer: dict[str, Any], currency: str = "tokens") -> dict[str, Any]:
    (entry,) = [item for item in answer["entitlements"] if item.get("currency", {}).get("currencyId") == currency]
    return entry


def test_a_consumption_is_seen_by_the_next_entitlements_list(api_client: APIClient) -> None:
    wallet_setup()
    grant(100)
    assert wallet(state(api_client))["currentUsage"] == 0

    CustomCurrency.objects.filter(ref_id="tokens").update(display_name="Renamed behind the cache's back")
    assert wallet(state(api_client))["currency"]["displayName"] == "Tokens"

    consume(30, "first")

    assert wallet(state(api_client))["currentUsage"] == 30


def test_a_new_grant_is_seen_by_the_next_entitlements_list(api_client: APIClient) -> None:
    wallet_setup()
    grant(100)
    assert wallet(state(api_client))["usageLimit"] == 100

    grant(50)

    assert wallet(state(api_client))["usageLimit"] == 150


def test_delegation_moves_the_answers_of_both_customers(api_client: APIClient) -> None:
    catalog_for_entitlements()
    customer("customer-1")
    target = customer("customer-2")
    subscription = provision("plan-pro", now=timezone.now() - timedelta(days=3))
    assert check(api_client, "seats")["isGranted"] is True
    assert check(api_client, "seats", customer_ref_id="customer-2")["isGranted"] is False

    Subscription.objects.filter(pk=subscription.pk).update(customer=target)
    assert check(api_client, "seats", customer_ref_id="customer-2")["isGranted"] is False
    Subscription.objects.filter(pk=subscription.pk).update(customer=subscription.customer)

    subscription_delegate(
        subscription_id=subscription.pk, target_customer_ref_id="customer-2", now=timezone.now(), actor="test"
    )

    assert check(api_client, "seats", customer_ref_id="customer-2")["isGranted"] is True
    assert check(api_client, "seats")["isGranted"] is False
