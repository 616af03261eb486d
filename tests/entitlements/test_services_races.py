"""Concurrent grants, revokes and expiries with real threads on PostgreSQL: the customer lock serialises them."""

from datetime import UTC, datetime, timedelta

import pytest

from customers.selectors import customer_get
from entitlements import services
from entitlements.enums import PromoStatus
from entitlements.errors import PromotionalEntitlementNotFound
from entitlements.models import PromotionalEntitlement
from tests.entitlements.builders import catalog_for_entitlements, customer
from tests.races import THREADS, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def catalog(transactional_db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")


def grant(index: int) -> PromotionalEntitlement:
    (promotion,) = services.promotional_entitlements_grant(
        customer=customer_get("customer-1"),
        grants=[services.PromotionGrant("seats", "1 month", usage_limit=index)],
        now=NOW + timedelta(seconds=index),
        actor=f"thread-{index}",
    )
    return promotion


def test_concurrent_grants_of_one_feature_leave_one_current_promotion(catalog: None) -> None:
    results, errors = race(grant)

    assert errors == []
    assert len(results) == THREADS
    current = PromotionalEntitlement.objects.get(revoked_at__isnull=True)
    # Each grant replaced the one before it: a single chain, every row but the last one replaced.
    assert PromotionalEntitlement.objects.filter(replaced_by__isnull=False).count() == THREADS - 1
    assert not PromotionalEntitlement.objects.filter(replaced_by=None, revoked_at__isnull=False).exists()
    assert current.pk == max(promotion.pk for promotion in results)


def test_concurrent_revokes_revoke_once(catalog: None) -> None:
    grant(1)

    results, errors = race(
        lambda index: services.promotional_entitlement_revoke(
            customer=customer_get("customer-1"), feature_ref_id="seats", now=NOW, actor=f"thread-{index}"
        )
    )

    assert len(results) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, PromotionalEntitlementNotFound) for error in errors)
    assert PromotionalEntitlement.objects.get().revoked_by == results[0].revoked_by


def test_concurrent_expiries_change_each_promotion_once(catalog: None) -> None:
    promotion = grant(1)
    ended = NOW + timedelta(days=40)

    results, errors = race(
        lambda index: services.promotional_entitlements_expire(promotion_ids=[promotion.pk], now=ended)
    )

    assert errors == []
    assert sorted(results) == [0] * (THREADS - 1) + [1]
    assert PromotionalEntitlement.objects.get().status == PromoStatus.EXPIRED
