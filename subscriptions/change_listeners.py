"""Who hears that a subscription's entitlements may have changed: it was provisioned, updated, or it started.

Apps above this one act on it (the credits app issues the subscription's recurring credit grants) but this app may
not import them, so each registers a listener here from its ``AppConfig.ready()``; the services call
``subscription_changed`` and never name the listening apps.
"""

from typing import Protocol


class SubscriptionChangeListener(Protocol):
    """Called inside the changing service's transaction: a listener that does work queues it with
    ``transaction.on_commit`` (nothing happens if the change rolls back) and must never fail the change."""

    def __call__(self, *, subscription_id: int) -> None: ...


# Keyed by app label, in registration order.
_listeners: dict[str, SubscriptionChangeListener] = {}


def register_subscription_change_listener(app_label: str, listener: SubscriptionChangeListener) -> None:
    """Have ``subscription_changed`` call ``listener``. Registering again for the same app replaces its listener
    (an app's ``ready()`` may run more than once)."""
    _listeners[app_label] = listener


def subscription_changed(*, subscription_id: int) -> None:
    """Tell every registered listener that the subscription was provisioned, updated or started."""
    for listener in _listeners.values():
        listener(subscription_id=subscription_id)
