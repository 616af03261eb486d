"""The entitlement engine: already-fetched grants in, a typed decision out. No ORM, no clock.

``entitlements.selectors.customer_grants`` fetches what a customer holds as ``Grant`` values; everything that
interprets grants is here, so the API, the admin and metering get the same answer.

Merge rules, per feature:

* **Within one subscription** (grants carry the subscription's id): the plan's own entitlement overrides what it
  inherits, and a nearer parent overrides a farther one (``inheritance_depth``). Add-ons then apply with their
  quantity: ``Override`` add-ons replace that value (the most generous override, limit times quantity), ``Increment``
  add-ons add limit times quantity to it. A subscription-level custom entitlement (``CUSTOM``) replaces the result.
  A plan entitlement with ``is_granted`` false denies what a parent would grant.
* **Across sources** (subscriptions, a trial beside a paid subscription, promotions): the most generous value
  wins: granted over denied, unlimited over any limit, a higher limit over a lower one, a soft limit over a hard
  one at the same limit. Enum values are the union of every granting source; a BOOLEAN feature is granted when
  any source grants it.

Time: promotions carry ``expires_at`` and grant nothing from then on (honoured here, whatever the expiry sweeper
has done). Subscription grants carry ``changes_at`` (trial end, scheduled cancellation): reported in
``validUntil`` but not enforced, because a subscription's status (kept by its own sweepers) is the truth there.
Usage windows of metered features are computed from the reset period, its anchor and ``now``.

The engine is in four modules: ``values`` (grants in, decisions out), ``merging``, ``windows`` and ``checks``;
everything callers use is importable from here.
"""

from entitlements.evaluation.checks import check, check_credit, decide, entitlements_state
from entitlements.evaluation.merging import earliest, effective_entitlement, effective_entitlements, most_generous
from entitlements.evaluation.values import (
    PLAN_LEVEL,
    AccessDeniedReason,
    CreditDecision,
    CreditWallet,
    CurrencyInfo,
    CustomerGrants,
    Decision,
    EffectiveEntitlement,
    EntitlementsState,
    FeatureInfo,
    Grant,
    GrantSource,
    SourceKind,
)
from entitlements.evaluation.windows import NEVER_RESETS, WindowRule, usage_window, usage_windows, window_rule

__all__ = [
    "NEVER_RESETS",
    "PLAN_LEVEL",
    "AccessDeniedReason",
    "CreditDecision",
    "CreditWallet",
    "CurrencyInfo",
    "CustomerGrants",
    "Decision",
    "EffectiveEntitlement",
    "EntitlementsState",
    "FeatureInfo",
    "Grant",
    "GrantSource",
    "SourceKind",
    "WindowRule",
    "check",
    "check_credit",
    "decide",
    "earliest",
    "effective_entitlement",
    "effective_entitlements",
    "entitlements_state",
    "most_generous",
    "usage_window",
    "usage_windows",
    "window_rule",
]
