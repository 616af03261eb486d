"""The product's usage-reset rule (``Product.usage_reset_behavior``, wire ``usageResetCutoffRule``): whether a
customer's metered usage carries over a plan change or starts again from zero.

Plan changes: provisioning a plan of the product in a slot whose live subscription it replaces
(``UPGRADE_OR_DOWNGRADE``), starting now or later (a scheduled downgrade, started by
``lifecycle.subscription_start``); the product's end setup moving an ended subscription to the downgrade plan; and an
update that changes the billing period in place (S3, or a scheduled update run at the period end). A migration to a
newer version of the same plan and a trial converted to its plan are not plan changes: usage carries over.

The rules:

* ``NEVER_RESET``: usage carries over. The new subscription takes the usage anchor and the last reset of the one it
  replaces, so it counts in the same windows and the current window's counter goes on.
* ``ALWAYS_RESET``: usage starts at zero at the change. ``Subscription.usage_reset_at`` is the moment of the change:
  the usage window containing it starts there (``max(window start, reset)``, a new counter), calendar-anchored
  windows (start of month, a weekday) included; later windows are the usual ones. A new subscription's
  ``SubscriptionStart`` windows count from its own start.
* ``BILLING_PERIOD_CHANGE`` (the default): as ``ALWAYS_RESET`` when the change changes the billing period (monthly ↔
  annual), otherwise as ``NEVER_RESET``. A plan without a billing period (a free plan) has no period to change, so
  usage carries over to and from it.

Usage that is not counted in windows never resets, whatever the rule: FLUCTUATING features (seats, storage) are
levels, and an incremental feature without a reset period is a running total. The windows themselves are
computed by the entitlement engine (``entitlements.usage_periods``), for checks and metering alike.
"""

from collections.abc import Sequence
from datetime import datetime

from catalog.enums import UsageResetBehavior
from catalog.models import Product
from subscriptions.enums import CancelReason
from subscriptions.models import Subscription


def usage_resets(*, behavior: str, billing_period_before: str | None, billing_period_after: str | None) -> bool:
    """Whether a plan change under ``behavior`` starts usage at zero (rules in the module docstring)."""
    if behavior == UsageResetBehavior.ALWAYS_RESET:
        return True
    if behavior == UsageResetBehavior.NEVER_RESET:
        return False
    return None not in (billing_period_before, billing_period_after) and billing_period_before != billing_period_after


def usage_counting_after(
    *, previous: Subscription | None, product: Product, billing_period: str | None, at: datetime
) -> dict[str, datetime | None]:
    """The ``usage_anchor`` and ``usage_reset_at`` of a subscription that replaces ``previous`` at ``at`` (a plan
    change), to be written on it; with no ``previous``, it counts from its own start. Reads nothing but the rows."""
    if previous is None:
        return {"usage_anchor": None, "usage_reset_at": None}
    if usage_resets(
        behavior=product.usage_reset_behavior,
        billing_period_before=previous.billing_period,
        billing_period_after=billing_period,
    ):
        return {"usage_anchor": None, "usage_reset_at": at}
    return {"usage_anchor": previous.usage_counted_from, "usage_reset_at": previous.usage_reset_at}


def usage_predecessor(replaced: Sequence[tuple[Subscription, str]]) -> tuple[Subscription | None, bool]:
    """Of the subscriptions a new one replaces (``common.replaced_by_new``), the one whose usage it continues, and
    whether that is a plan change: the replaced paid subscription (``UPGRADE_OR_DOWNGRADE``), else a trial
    converted to its plan, which carries usage over."""
    for subscription, reason in replaced:
        if reason == CancelReason.UPGRADE_OR_DOWNGRADE:
            return subscription, True
    for subscription, reason in replaced:
        if reason == CancelReason.TRIAL_CONVERTED:
            return subscription, False
    return None, False


def usage_counting_of_replacement(
    *, replaced: Sequence[tuple[Subscription, str]], product: Product, billing_period: str | None, at: datetime
) -> dict[str, datetime | None]:
    """``usage_counting_after`` for a subscription taking its slot at ``at`` from ``replaced``."""
    previous, is_plan_change = usage_predecessor(replaced)
    if previous is not None and not is_plan_change:
        return {"usage_anchor": previous.usage_counted_from, "usage_reset_at": previous.usage_reset_at}
    return usage_counting_after(previous=previous, product=product, billing_period=billing_period, at=at)


def usage_reset_on_billing_period_change(
    subscription: Subscription, *, billing_period: str | None, at: datetime
) -> None:
    """An in-place change of ``subscription`` to ``billing_period`` at ``at``: sets ``usage_reset_at`` on the
    (unsaved) row when the product's rule resets usage on it. The caller saves the row."""
    if billing_period == subscription.billing_period:
        return
    if usage_resets(
        behavior=subscription.product.usage_reset_behavior,
        billing_period_before=subscription.billing_period,
        billing_period_after=billing_period,
    ):
        subscription.usage_reset_at = at
