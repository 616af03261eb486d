"""Promotional entitlement services against the database: grant, replace, revoke, expire (at evaluation time and
by the sweeper)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from catalog.errors import FeatureNotFound
from catalog.services.features import feature_archive, feature_create
from config.celery import app
from config.errors import InvalidInput
from config.jobs import PERIODIC_JOBS
from customers.selectors import customer_get
from entitlements import services, tasks
from entitlements.enums import PromoStatus
from entitlements.errors import PromotionalEntitlementNotFound
from entitlements.evaluation import AccessDeniedReason, check
from entitlements.models import PromotionalEntitlement
from entitlements.selectors import customer_grants, feature_info, promotional_entitlement_list
from tests.entitlements.builders import catalog_for_entitlements, customer

NOW = datetime(2024, 1, 31, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")


def grant(feature_ref_id: str = "sso", *, now: datetime = NOW, **fields: Any) -> PromotionalEntitlement:
    (promotion,) = services.promotional_entitlements_grant(
        customer=customer_get("customer-1"),
        grants=[services.PromotionGrant(feature_ref_id=feature_ref_id, **{"period": "1 month", **fields})],
        now=now,
        actor="test",
    )
    return promotion


def decision(feature_ref_id: str, *, now: datetime, **request: Any) -> tuple[bool, str | None]:
    grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=now)
    result = check(grants, feature=feature_info(feature_ref_id), now=now, **request)
    return result.is_granted, result.access_denied_reason


@pytest.mark.parametrize(
    ("period", "custom_end_date", "end_date"),
    [
        ("1 week", None, datetime(2024, 2, 7, 10, tzinfo=UTC)),
        ("1 month", None, datetime(2024, 2, 29, 10, tzinfo=UTC)),
        ("6 month", None, datetime(2024, 7, 31, 10, tzinfo=UTC)),
        ("1 year", None, datetime(2025, 1, 31, 10, tzinfo=UTC)),
        ("lifetime", None, None),
        ("custom", datetime(2024, 3, 3, tzinfo=UTC), datetime(2024, 3, 3, tzinfo=UTC)),
    ],
)
def test_grant_periods(catalog: None, period: str, custom_end_date: datetime | None, end_date: datetime | None) -> None:
    promotion = grant(period=period, custom_end_date=custom_end_date)

    stored = PromotionalEntitlement.objects.get()
    assert (stored.pk, stored.period, stored.status, stored.start_date, stored.end_date) == (
        promotion.pk,
        period,
        PromoStatus.ACTIVE,
        NOW,
        end_date,
    )
    assert (stored.granted_by, stored.revoked_at, stored.is_visible) == ("test", None, True)


def test_a_promotion_grants_access_without_a_subscription(catalog: None) -> None:
    assert decision("sso", now=NOW) == (False, AccessDeniedReason.NO_ACTIVE_SUBSCRIPTION)

    grant("sso")
    grant("api-calls", usage_limit=100, reset_period="WEEK", reset_configuration={"weekly": "EveryMonday"})

    assert decision("sso", now=NOW) == (True, None)
    assert decision("api-calls", now=NOW, requested_usage=100) == (True, None)
    assert decision("api-calls", now=NOW, requested_usage=101) == (
        False,
        AccessDeniedReason.REQUESTED_USAGE_EXCEEDING_LIMIT,
    )
    assert PromotionalEntitlement.objects.get(feature__ref_id="api-calls").reset_anchor == "EveryMonday"


def test_granting_a_feature_again_replaces_the_promotion(catalog: None) -> None:
    first = grant("seats", usage_limit=5)
    second = grant("seats", now=NOW + timedelta(days=1), period="lifetime", usage_limit=50)

    first.refresh_from_db()
    assert (first.revoked_at, first.revoked_by, first.replaced_by) == (NOW + timedelta(days=1), "test", second)
    assert list(promotional_entitlement_list(customer=customer_get("customer-1"), now=NOW)) == [second]
    assert decision("seats", now=NOW + timedelta(days=40), requested_usage=50) == (True, None)


def test_one_request_grants_several_features_all_or_none(catalog: None) -> None:
    items = [
        services.PromotionGrant(feature_ref_id="sso", period="1 week"),
        services.PromotionGrant(feature_ref_id="seats", period="1 week", usage_limit=-1),
    ]

    with pytest.raises(InvalidInput) as error:
        services.promotional_entitlements_grant(customer=customer_get("customer-1"), grants=items, now=NOW, actor="t")

    assert error.value.details == {"field": "promotionalEntitlements[1].usageLimit"}
    assert PromotionalEntitlement.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"feature_ref_id": "sso", "usage_limit": 3}, "usageLimit", "is not allowed for BOOLEAN feature sso"),
        (
            {"feature_ref_id": "seats"},
            "usageLimit",
            "is required for NUMBER feature seats unless hasUnlimitedUsage is true",
        ),
        (
            {"feature_ref_id": "support-tier", "enum_values": ["gold"]},
            "enumValues",
            "unknown value(s) gold for feature support-tier",
        ),
        (
            {"feature_ref_id": "seats", "usage_limit": 1, "reset_period": "MONTH"},
            "resetPeriod",
            "applies only to INCREMENTAL metered features",
        ),
        (
            {
                "feature_ref_id": "api-calls",
                "usage_limit": 1,
                "reset_period": "DAY",
                "reset_configuration": {"monthly": "StartOfTheMonth"},
            },
            "monthlyResetPeriodConfiguration",
            "applies only with resetPeriod MONTH",
        ),
        ({"feature_ref_id": "sso", "period": "custom"}, "customEndDate", "is required when period is custom"),
        (
            {"feature_ref_id": "sso", "period": "custom", "custom_end_date": NOW},
            "customEndDate",
            "must be in the future",
        ),
        (
            {"feature_ref_id": "sso", "custom_end_date": NOW + timedelta(days=1)},
            "customEndDate",
            "applies only when period is custom",
        ),
    ],
)
def test_refused_grants_write_nothing(catalog: None, fields: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        services.promotional_entitlements_grant(
            customer=customer_get("customer-1"),
            grants=[services.PromotionGrant(**{"period": "1 week", **fields})],
            now=NOW,
            actor="test",
        )

    assert error.value.message == f"promotionalEntitlements[0].{field}: {message}"
    assert PromotionalEntitlement.objects.count() == 0


def test_unknown_duplicate_and_archived_features_are_refused(catalog: None) -> None:
    customer_1 = customer_get("customer-1")
    retired = feature_create(ref_id="retired", display_name="Retired", feature_type="BOOLEAN", now=NOW)
    feature_archive(feature=retired, now=NOW)

    with pytest.raises(FeatureNotFound):
        services.promotional_entitlements_grant(
            customer=customer_1, grants=[services.PromotionGrant("nope", "1 week")], now=NOW, actor="t"
        )
    with pytest.raises(InvalidInput, match=r"\[1\]\.featureId: feature sso is granted twice in one request"):
        services.promotional_entitlements_grant(
            customer=customer_1,
            grants=[services.PromotionGrant("sso", "1 week"), services.PromotionGrant("sso", "lifetime")],
            now=NOW,
            actor="t",
        )
    with pytest.raises(InvalidInput, match=r"featureId: feature retired is archived"):
        services.promotional_entitlements_grant(
            customer=customer_1, grants=[services.PromotionGrant("retired", "1 week")], now=NOW, actor="t"
        )
    with pytest.raises(InvalidInput, match="promotionalEntitlements: must contain at least one"):
        services.promotional_entitlements_grant(customer=customer_1, grants=[], now=NOW, actor="t")
    assert PromotionalEntitlement.objects.count() == 0


def test_revoke_stops_the_grant_and_a_second_revoke_is_not_found(catalog: None) -> None:
    promotion = grant("sso")
    later = NOW + timedelta(hours=1)

    revoked = services.promotional_entitlement_revoke(
        customer=customer_get("customer-1"), feature_ref_id="sso", now=later, actor="admin:ops"
    )

    assert (revoked.pk, revoked.revoked_at, revoked.revoked_by, revoked.updated_at) == (
        promotion.pk,
        later,
        "admin:ops",
        later,
    )
    assert decision("sso", now=later) == (False, AccessDeniedReason.NO_ACTIVE_SUBSCRIPTION)
    assert list(promotional_entitlement_list(customer=customer_get("customer-1"), now=later)) == []
    with pytest.raises(PromotionalEntitlementNotFound):
        services.promotional_entitlement_revoke(
            customer=customer_get("customer-1"), feature_ref_id="sso", now=later, actor="t"
        )
    with pytest.raises(FeatureNotFound):
        services.promotional_entitlement_revoke(
            customer=customer_get("customer-1"), feature_ref_id="nope", now=later, actor="t"
        )
    assert PromotionalEntitlement.objects.filter(revoked_at__isnull=False).count() == 1


def test_expiry_is_honoured_at_evaluation_before_the_sweeper_runs(catalog: None) -> None:
    grant("sso", period="1 week")
    ended = NOW + timedelta(weeks=1)

    assert decision("sso", now=ended - timedelta(seconds=1)) == (True, None)
    assert decision("sso", now=ended) == (False, AccessDeniedReason.NO_ACTIVE_SUBSCRIPTION)
    assert PromotionalEntitlement.objects.get().status == PromoStatus.ACTIVE
    listed = promotional_entitlement_list(customer=customer_get("customer-1"), now=ended, statuses=["Expired"])
    assert [promotion.feature.ref_id for promotion in listed] == ["sso"]


def test_the_sweeper_marks_ended_promotions_expired_once(
    catalog: None, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # Only the sweeper's own task is counted, not the decision cache's invalidation (on with Redis).
    settings.ENTITLEMENT_DECISION_CACHE = False
    grant("sso", period="1 week")
    grant("seats", period="lifetime", usage_limit=1)
    grant("storage", period="1 month", usage_limit=1)
    ended = NOW + timedelta(days=8)

    with time_machine.travel(ended, tick=False):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            found = tasks.sweep_promotion_expiries.apply().get()
        again = tasks.sweep_promotion_expiries.apply().get()
        repeated = services.promotional_entitlements_expire(
            promotion_ids=list(PromotionalEntitlement.objects.values_list("pk", flat=True)), now=ended
        )

    assert (found, len(callbacks), again, repeated) == (1, 1, 0, 0)
    assert dict(PromotionalEntitlement.objects.values_list("feature__ref_id", "status")) == {
        "sso": PromoStatus.EXPIRED,
        "seats": PromoStatus.ACTIVE,
        "storage": PromoStatus.ACTIVE,
    }
    assert PromotionalEntitlement.objects.get(feature__ref_id="sso").updated_at == ended


def test_the_expiry_update_rechecks_its_condition(catalog: None) -> None:
    """A chunk delivered after the promotion was revoked (or replaced) leaves it alone."""
    promotion = grant("sso", period="1 week")
    services.promotional_entitlement_revoke(
        customer=customer_get("customer-1"), feature_ref_id="sso", now=NOW, actor="t"
    )

    with CaptureQueriesContext(connection) as queries:
        changed = services.promotional_entitlements_expire(promotion_ids=[promotion.pk], now=NOW + timedelta(weeks=2))

    assert changed == 0
    assert len([query for query in queries if query["sql"].startswith("UPDATE")]) == 1
    assert PromotionalEntitlement.objects.filter(Q(status=PromoStatus.ACTIVE), pk=promotion.pk).exists()


def test_the_sweeper_is_declared_as_a_periodic_job(catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    """Run the declared job the way ``manage.py tick`` does (only this one: the other apps' jobs have their tests)."""
    (job,) = [job for job in PERIODIC_JOBS if job.task == "entitlements.tasks.sweep_promotion_expiries"]
    app.loader.import_default_modules()
    grant("sso", period="1 week")

    with (
        time_machine.travel(NOW + timedelta(weeks=1, seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        app.tasks[job.task].apply(throw=True)

    assert (job.name, job.every_seconds) == ("promotion-expiries", 60)
    assert PromotionalEntitlement.objects.get().status == PromoStatus.EXPIRED
