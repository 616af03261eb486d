"""Migrating a subscription to the latest published version of its plan and add-ons (S7, and batch migrations).

A subscription pins the versions it was sold; publishing a new version leaves it there (grandfathering) until it is
migrated. Migrating is an update (``services.changes``) whose target is the latest versions, prorated like any other
billing change: a positive net for the rest of the period is invoiced, a negative one is not paid out.
"""

from datetime import datetime

from django.db import transaction

from catalog.selectors import package_latest_published_version
from config.errors import InvalidInput
from subscriptions.enums import MigrationTime, ScheduleStatus, ScheduleType
from subscriptions.models import Subscription, SubscriptionScheduledUpdate
from subscriptions.services.changes import Timing, check_updatable, subscription_change
from subscriptions.services.update_requests import UpdateRequest
from subscriptions.services.updates import change_apply, lock_subscription


def is_on_latest_versions(subscription: Subscription) -> bool:
    """Whether the subscription's plan version, and each add-on's, is its package's latest published version (a
    package without one counts as current: there is nothing to migrate to)."""
    latest = package_latest_published_version(subscription.plan)
    if latest is not None and latest.pk != subscription.plan_version_id:
        return False
    for row in subscription.addons.select_related("addon"):
        latest = package_latest_published_version(row.addon)
        if latest is not None and latest.pk != row.addon_version_id:
            return False
    return True


@transaction.atomic
def subscription_migrate_to_latest(
    *, subscription_id: int, now: datetime, when: str = "IMMEDIATE", actor: str
) -> Subscription:
    """Move the subscription to the latest published version of its plan and add-ons.

    ``when`` is a ``MigrationTime``: ``IMMEDIATE`` migrates now, prorating the price difference for the rest of the
    period (a positive net is invoiced, ``SUBSCRIPTION_UPDATE``); ``END_OF_BILLING_PERIOD`` schedules a
    ``MIGRATE_TO_LATEST`` update for the end of the current period (now, for a subscription without one), which the
    scheduled-updates job runs then, migrating to whatever is latest at that time.
    Locks the subscription row and decides on the locked row. Idempotent and safe to retry: a subscription on the
    latest versions already, or with a migration scheduled already (for ``END_OF_BILLING_PERIOD``), is returned
    unchanged; an ``IMMEDIATE`` migration supersedes a scheduled one.
    Errors: ``InvalidInput`` (400) for an unknown ``when``; ``SubscriptionNotUpdatable`` (409) for a subscription
    that has ended; ``validate_quote_input``'s refusals (400) when the latest versions cannot be sold as the
    subscription has them (an add-on no longer compatible, a quantity out of the new bounds); nothing is written.
    """
    if when not in MigrationTime.values:
        raise InvalidInput(f"must be one of {', '.join(MigrationTime.values)}", field="subscriptionMigrationTime")
    subscription = lock_subscription(subscription_id)
    timing = Timing.NOW if when == MigrationTime.IMMEDIATE else Timing.PERIOD_END
    check_updatable(subscription)
    if is_on_latest_versions(subscription):
        return subscription
    already_scheduled = SubscriptionScheduledUpdate.objects.filter(
        subscription=subscription, status=ScheduleStatus.SCHEDULED, schedule_type=ScheduleType.MIGRATE_TO_LATEST
    )
    if timing == Timing.PERIOD_END and already_scheduled.exists():
        return subscription
    request = UpdateRequest(migrate_to_latest=True)
    change = subscription_change(subscription=subscription, request=request, at=now, timing=timing)
    return change_apply(change, now=now, actor=actor)
