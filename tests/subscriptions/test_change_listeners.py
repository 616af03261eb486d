"""Apps above subscriptions hear of a subscription's changes through the listeners they register."""

import pytest

from credits.hooks import recurring_grants_schedule
from subscriptions import change_listeners


def test_the_credits_app_listens_to_subscription_changes() -> None:
    assert change_listeners._listeners == {"credits": recurring_grants_schedule}


def test_every_listener_hears_each_change_in_registration_order_and_registering_again_replaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heard: list[tuple[str, int]] = []
    monkeypatch.setattr(change_listeners, "_listeners", {})
    change_listeners.register_subscription_change_listener("a", lambda *, subscription_id: heard.append(("a", 0)))
    change_listeners.register_subscription_change_listener(
        "b", lambda *, subscription_id: heard.append(("b", subscription_id))
    )
    change_listeners.register_subscription_change_listener(
        "a", lambda *, subscription_id: heard.append(("a", subscription_id))
    )

    change_listeners.subscription_changed(subscription_id=7)

    assert heard == [("a", 7), ("b", 7)]
