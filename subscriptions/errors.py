"""Subscription errors with stable codes (mapped to HTTP by ``config.errors``)."""

from config.errors import Conflict, DuplicateId, IllegalStateChange, InvalidInput, NotFound


class SubscriptionNotFound(NotFound):
    code = "SUBSCRIPTION_NOT_FOUND"


class DuplicateSubscriptionId(DuplicateId):
    code = "DUPLICATE_ID"


class IllegalSubscriptionTransition(IllegalStateChange):
    """A status change the state machine (``subscriptions.states``) does not allow."""

    code = "ILLEGAL_SUBSCRIPTION_TRANSITION"


class InvalidSubscriptionInput(InvalidInput):
    code = "VALIDATION_ERROR"


class TrialNotAvailable(Conflict):
    """A trial was asked for explicitly, but the customer already had one for this product."""

    code = "TRIAL_ALREADY_USED"


class InvoiceNotOpen(Conflict):
    code = "INVOICE_NOT_OPEN"


class SubscriptionNotMigrated(Conflict):
    """A plan migration job asked to move a subscription to the latest version, and it stayed where it was."""

    code = "NOT_MIGRATED"


class SubscriptionNotUpdatable(Conflict):
    """An update, migration or scheduled change that the subscription's state does not allow (it has ended, or
    its end is owned by the subscription replacing it)."""

    code = "SUBSCRIPTION_NOT_UPDATABLE"


class SubscriptionSlotTaken(Conflict):
    """A delegation or transfer into a slot (customer, product, resource) that holds such a subscription already."""

    code = "SUBSCRIPTION_SLOT_TAKEN"


class NoUpcomingInvoice(NotFound):
    """The subscription has no invoice to come (no billing period, or it ends with the current one)."""

    code = "MissingSubscriptionInvoiceError"


class IncompatibleAddon(InvalidInput):
    """An add-on the plan does not list as compatible."""

    code = "INCOMPATIBLE_ADDON"


class AddonDependencyMissing(InvalidInput):
    """An add-on whose required add-ons are not on the subscription."""

    code = "ADDON_DEPENDENCY_MISSING"


class MixedCurrencies(InvalidInput):
    """Prices of one invoice in more than one currency."""

    code = "MIXED_CURRENCIES"


class PlanNotPublished(InvalidInput):
    code = "PLAN_NOT_PUBLISHED"


class AddonNotPublished(InvalidInput):
    code = "ADDON_NOT_PUBLISHED"
