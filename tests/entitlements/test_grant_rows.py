"""``grant_rows.customer_rows`` (one statement) against the per-kind reads it replaces on the check path: the same
rows, in the same order, for customers holding every kind of grant; and ``config.prepared.fetch_all``."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.prepared import fetch_all
from customers.selectors import customer_get
from customers.services import customer_archive
from entitlements import grant_rows, services
from entitlements.selectors import GRANTING_STATUSES
from subscriptions.services.custom_entitlements import (
    CustomEntitlementInput,
    custom_entitlements_build,
    custom_entitlements_write,
)
from tests.entitlements.builders import catalog_for_entitlements, customer, extra_product, holdings, provision

STARTED = datetime(2024, 2, 1, 12, tzinfo=UTC)
NOW = datetime(2024, 3, 10, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def per_kind_reads(
    customer_ref_id: str, resource_ref_id: str | None, feature_ref_id: str | None, now: datetime
) -> grant_rows.CustomerRows:
    """What the per-kind reads return for the same customer, each fed by the previous ones, as the selector used
    to read them (without stopping early for an archived customer or an unknown resource)."""
    customer, subscriptions = grant_rows.customer_and_subscriptions(customer_ref_id, resource_ref_id, GRANTING_STATUSES)
    ids = [row["pk"] for row in subscriptions]
    addons = grant_rows.addon_rows(ids) if ids else []
    products = sorted({row["product_id"] for row in subscriptions if row["plan_version__parent_plan_id"]})
    parents = grant_rows.parent_rows(products) if products else []
    versions = {row["plan_version_id"] for row in subscriptions} | {row["addon_version_id"] for row in addons}
    versions |= {row["pk"] for row in parents}
    return grant_rows.CustomerRows(
        customer=customer,
        subscriptions=subscriptions,
        addons=addons,
        parents=parents,
        entitlements=grant_rows.entitlement_rows(sorted(versions)) if versions else [],
        custom=grant_rows.custom_rows(ids) if ids else [],
        promotions=grant_rows.promotion_rows(customer["customer_id"], now) if customer else [],
        feature=grant_rows.feature_row(feature_ref_id) if feature_ref_id else None,
    )


def promotion(customer_ref_id: str, feature_ref_id: str, *, at: datetime, **fields: Any) -> None:
    services.promotional_entitlements_grant(
        customer=customer_get(customer_ref_id),
        grants=[services.PromotionGrant(feature_ref_id=feature_ref_id, **{"period": "1 month", **fields})],
        now=at,
        actor="test",
    )


@pytest.fixture
def rich(db: None) -> None:
    """Customers holding every kind of grant: plans with parent chains, add-ons, a resource's subscription, a trial,
    custom entitlements, promotions in force, ended, future and revoked; an archived customer; one with nothing."""
    catalog_for_entitlements()
    for index in range(3):
        extra_product(index)
    holdings("large", products=3, promotions=["seats", "storage"])
    subscription = provision("plan-enterprise", now=STARTED, customer_ref_id="large")
    items = [
        CustomEntitlementInput(type="FEATURE", target_ref_id="api-calls", usage_limit=77, reset_period="MONTH"),
        CustomEntitlementInput(type="FEATURE", target_ref_id="sso"),
    ]
    custom_entitlements_write(subscription=subscription, entitlements=custom_entitlements_build(items), now=STARTED)
    promotion("large", "support-tier", at=NOW - timedelta(days=40), enum_values=["priority"])  # ended
    promotion("large", "site-analytics", at=NOW + timedelta(days=1))  # not started
    promotion("large", "api-calls", at=NOW - timedelta(days=1), usage_limit=9)
    services.promotional_entitlement_revoke(
        customer=customer_get("large"), feature_ref_id="api-calls", now=NOW, actor="test"
    )
    customer("trial")
    provision("plan-pro", now=STARTED, customer_ref_id="trial", trial=True, addons=[("addon-seats", 3)])
    customer("archived")
    provision("plan-basic", now=STARTED, customer_ref_id="archived")
    customer_archive(customer=customer_get("archived"), now=STARTED + timedelta(days=1))
    customer("empty")


@pytest.mark.parametrize("customer_ref_id", ["large", "trial", "archived", "empty", "nobody"])
@pytest.mark.parametrize("resource_ref_id", [None, "site-1", "site-unknown"])
@pytest.mark.parametrize("feature_ref_id", [None, "api-calls", "no-such-feature"])
def test_one_statement_reads_what_the_per_kind_reads_read(
    rich: None, customer_ref_id: str, resource_ref_id: str | None, feature_ref_id: str | None
) -> None:
    for now in (STARTED + timedelta(days=1), NOW):
        expected = per_kind_reads(customer_ref_id, resource_ref_id, feature_ref_id, now)

        with CaptureQueriesContext(connection) as queries:
            found = grant_rows.customer_rows(
                customer_ref_id, resource_ref_id, GRANTING_STATUSES, now, feature_ref_id=feature_ref_id
            )

        assert len(queries) == 1
        assert found == expected


def test_the_rich_fixture_holds_every_kind_of_row(rich: None) -> None:
    at = STARTED + timedelta(days=1)
    found = grant_rows.customer_rows("large", "site-1", GRANTING_STATUSES, at, feature_ref_id="api-calls")

    assert found.customer is not None and found.customer["resource_exists"] is True
    assert len(found.subscriptions) == 5  # three extra products, plan-enterprise, the site's
    assert [
        bool(rows) for rows in [found.addons, found.parents, found.entitlements, found.custom, found.promotions]
    ] == [True] * 5
    assert found.feature is not None
    assert [row["feature__ref_id"] for row in found.promotions] == ["seats", "storage", "support-tier"]


def test_fetch_all_answers_as_an_ordinary_cursor_and_is_logged(db: None) -> None:
    sql = "SELECT %s + 1, %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [41, "text"])
        expected = cursor.fetchall()

    with CaptureQueriesContext(connection) as queries:
        rows = [fetch_all(sql, [41, "text"]) for _ in range(3)]

    assert rows == [expected] * 3
    assert [query["sql"] for query in queries] == ["SELECT 41 + 1, 'text'"] * 3


def test_fetch_all_prepares_its_statement_once_per_connection(db: None) -> None:
    sql = "SELECT %s::int * 2 AS doubled"
    answers = [fetch_all(sql, [value]) for value in range(4)]

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%::int * 2 AS doubled"])
        (prepared,) = cursor.fetchone()

    assert answers == [[(0,)], [(2,)], [(4,)], [(6,)]]
    assert prepared == 1
