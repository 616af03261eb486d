"""S10 delegate and S11 transfer through the official Stigg client against the live server."""

from datetime import UTC, datetime
from typing import Any

import pytest
import stigg
import time_machine

from customers.models import CustomerResource
from customers.services import customer_archive
from subscriptions.models import Invoice, Subscription, SubscriptionStatusEvent
from subscriptions.quote import TrialOverride
from subscriptions.services.custom_entitlements import CustomEntitlementInput
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision
from tests.wire_shapes import domain_error, validation_error

NOW = datetime(2027, 3, 16, 12, tzinfo=UTC)
NO_TRIAL = TrialOverride(is_trial=False, trial_end_date=None)
SEATS_LIMIT = CustomEntitlementInput(type="FEATURE", target_ref_id="feature-seats", usage_limit=7)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def single(db: None) -> Subscription:
    """customer-1 pays plan-basic monthly (``sub-basic``) on a product with one subscription per customer."""
    catalog_for_subscriptions()
    customer("customer-1")
    customer("customer-2")
    return provision("plan-basic", now=NOW, ref_id="sub-basic", billing_period="MONTHLY", entitlements=[SEATS_LIMIT])


@pytest.fixture
def multiple(db: None) -> Subscription:
    """customer-1 has plan-basic for resource site-1 (``sub-site``) on a product with multiple subscriptions."""
    catalog_for_subscriptions(multiple_subscriptions=True)
    customer("customer-1")
    return provision("plan-basic", now=NOW, ref_id="sub-site", billing_period="MONTHLY", resource_ref_id="site-1")


def written() -> tuple[Any, ...]:
    return (
        list(Subscription.objects.order_by("pk").values()),
        Invoice.objects.count(),
        SubscriptionStatusEvent.objects.count(),
        list(CustomerResource.objects.order_by("pk").values_list("customer_id", "ref_id")),
    )


def seats_limit(client: stigg.Stigg, customer_ref_id: str) -> list[Any]:
    entitlements = client.v1.customers.retrieve_entitlements(customer_ref_id).data.entitlements
    return [item.usage_limit for item in entitlements if item.feature and item.feature.id == "feature-seats"]


# --- S10 delegate ---------------------------------------------------------------------------------------------------


def test_delegation_gives_the_entitlements_to_the_target_and_keeps_the_payer(
    stigg_client: stigg.Stigg, single: Subscription
) -> None:
    data = stigg_client.v1.subscriptions.delegate("sub-basic", target_customer_id="customer-2").data

    assert (data.id, data.customer_id, data.paying_customer_id, data.status) == (
        "sub-basic",
        "customer-2",
        "customer-1",
        "ACTIVE",
    )
    assert (seats_limit(stigg_client, "customer-2"), seats_limit(stigg_client, "customer-1")) == ([7], [])
    listed = stigg_client.v1.subscriptions.list(customer_id="customer-2")
    assert [item.id for item in listed.data] == ["sub-basic"]
    event = SubscriptionStatusEvent.objects.order_by("pk").last()
    assert event is not None
    assert (event.reason, event.actor) == ("delegated from customer customer-1 to customer-2", "api")


def test_delegating_again_is_a_no_op_and_delegating_back_ends_the_delegation(
    stigg_client: stigg.Stigg, single: Subscription
) -> None:
    stigg_client.v1.subscriptions.delegate("sub-basic", target_customer_id="customer-2")
    events = SubscriptionStatusEvent.objects.count()

    again = stigg_client.v1.subscriptions.delegate("sub-basic", target_customer_id="customer-2").data
    assert SubscriptionStatusEvent.objects.count() == events
    back = stigg_client.v1.subscriptions.delegate("sub-basic", target_customer_id="customer-1").data

    assert (again.customer_id, again.paying_customer_id) == ("customer-2", "customer-1")
    assert (back.customer_id, back.paying_customer_id) == ("customer-1", None)


def test_a_delegated_resource_subscription_gets_the_resource_under_the_target(
    stigg_client: stigg.Stigg, multiple: Subscription
) -> None:
    customer("customer-2")

    data = stigg_client.v1.subscriptions.delegate("sub-site", target_customer_id="customer-2").data

    assert (data.customer_id, data.resource_id) == ("customer-2", "site-1")
    assert Subscription.objects.get().resource.customer.ref_id == "customer-2"  # type: ignore[union-attr]


def test_delegation_into_a_slot_that_is_taken_is_a_conflict_and_writes_nothing(
    stigg_client: stigg.Stigg, single: Subscription
) -> None:
    provision("plan-free", now=NOW, ref_id="sub-free-2", customer_ref_id="customer-2")
    before = written()

    with pytest.raises(stigg.ConflictError) as raised:
        stigg_client.v1.subscriptions.delegate("sub-basic", target_customer_id="customer-2")

    assert raised.value.body == {
        "error": {
            "code": "SUBSCRIPTION_SLOT_TAKEN",
            "message": "targetCustomerId: subscription sub-free-2 already holds that slot for product product-main",
            "details": {"field": "targetCustomerId", "subscriptionId": "sub-free-2"},
        }
    }
    assert written() == before


def test_a_trial_may_be_delegated_to_a_customer_who_pays_for_another_plan(
    stigg_client: stigg.Stigg, single: Subscription
) -> None:
    """Rule 2 holds in the target's slot: a live trial beside a live paid subscription."""
    provision(
        "plan-pro", now=NOW, ref_id="sub-trial", billing_period="MONTHLY", unit_quantity=1, customer_ref_id="customer-2"
    )
    customer("customer-3")
    provision("plan-basic", now=NOW, ref_id="sub-basic-3", billing_period="MONTHLY", customer_ref_id="customer-3")

    data = stigg_client.v1.subscriptions.delegate("sub-trial", target_customer_id="customer-3").data

    assert (data.customer_id, data.status, data.paying_customer_id) == ("customer-3", "IN_TRIAL", "customer-2")


@pytest.mark.parametrize(
    ("target", "status", "body"),
    [
        (
            "customer-nope",
            404,
            domain_error("CUSTOMER_NOT_FOUND", "Customer customer-nope not found", field="targetCustomerId"),
        ),
        ("customer-archived", 404, None),
        ("", 400, validation_error({"targetCustomerId": ["This field may not be blank."]})),
    ],
    ids=["unknown-customer", "archived-customer", "blank"],
)
def test_bad_delegation_input_gets_a_4xx_and_writes_nothing(
    stigg_client: stigg.Stigg, single: Subscription, target: str, status: int, body: dict[str, Any] | None
) -> None:
    archived = customer("customer-archived")
    customer_archive(customer=archived, now=NOW)
    before = written()

    with pytest.raises(stigg.APIStatusError) as raised:
        stigg_client.v1.subscriptions.delegate("sub-basic", target_customer_id=target)

    assert raised.value.status_code == status
    if body is not None:
        assert raised.value.body == body
    assert written() == before


def test_delegating_an_ended_or_unknown_subscription_is_refused(
    stigg_client: stigg.Stigg, single: Subscription
) -> None:
    stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="IMMEDIATE")
    before = written()

    with pytest.raises(stigg.ConflictError) as ended:
        stigg_client.v1.subscriptions.delegate("sub-basic", target_customer_id="customer-2")
    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.subscriptions.delegate("sub-nope", target_customer_id="customer-2")

    assert ended.value.body["error"]["code"] == "SUBSCRIPTION_NOT_UPDATABLE"  # type: ignore[index]
    assert written() == before


# --- S11 transfer ---------------------------------------------------------------------------------------------------


def test_transfer_moves_the_subscription_and_its_entitlements_to_the_destination_resource(
    stigg_client: stigg.Stigg, multiple: Subscription
) -> None:
    data = stigg_client.v1.subscriptions.transfer("sub-site", destination_resource_id="site-2").data
    again = stigg_client.v1.subscriptions.transfer("sub-site", destination_resource_id="site-2").data

    assert (data.id, data.customer_id, data.resource_id, data.status) == ("sub-site", "customer-1", "site-2", "ACTIVE")
    assert again.resource_id == "site-2"
    assert Subscription.objects.get().resource_key == "site-2"
    on_site_2 = stigg_client.v1.subscriptions.list(customer_id="customer-1", resource_id="site-2").data
    on_site_1 = stigg_client.v1.subscriptions.list(customer_id="customer-1", resource_id="site-1").data
    assert ([item.id for item in on_site_2], on_site_1) == (["sub-site"], [])
    assert list(CustomerResource.objects.order_by("ref_id").values_list("ref_id", flat=True)) == ["site-1", "site-2"]
    assert SubscriptionStatusEvent.objects.filter(reason="transferred from resource site-1 to site-2").count() == 1


def test_the_freed_resource_can_take_a_new_subscription(stigg_client: stigg.Stigg, multiple: Subscription) -> None:
    stigg_client.v1.subscriptions.transfer("sub-site", destination_resource_id="site-2")

    replacement = provision("plan-basic", now=NOW, billing_period="MONTHLY", resource_ref_id="site-1")

    assert Subscription.objects.get(pk=multiple.pk).status == "ACTIVE"
    assert (replacement.status, replacement.resource_key) == ("ACTIVE", "site-1")


def test_a_transfer_to_a_resource_with_a_live_subscription_is_a_conflict_and_writes_nothing(
    stigg_client: stigg.Stigg, multiple: Subscription
) -> None:
    provision("plan-free", now=NOW, ref_id="sub-other", resource_ref_id="site-2")
    before = written()

    with pytest.raises(stigg.ConflictError) as raised:
        stigg_client.v1.subscriptions.transfer("sub-site", destination_resource_id="site-2")

    assert raised.value.body["error"]["code"] == "SUBSCRIPTION_SLOT_TAKEN"  # type: ignore[index]
    assert written() == before


@pytest.mark.parametrize(
    ("destination", "body"),
    [
        ("", validation_error({"destinationResourceId": ["This field may not be blank."]})),
        ("bad id!", None),
    ],
    ids=["blank", "invalid-id"],
)
def test_bad_transfer_input_gets_a_400_and_writes_nothing(
    stigg_client: stigg.Stigg, multiple: Subscription, destination: str, body: dict[str, Any] | None
) -> None:
    before = written()

    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.subscriptions.transfer("sub-site", destination_resource_id=destination)

    if body is not None:
        assert raised.value.body == body
    else:
        assert raised.value.body["error"]["details"]["field"] == "destinationResourceId"  # type: ignore[index]
    assert written() == before


def test_a_transfer_on_a_single_subscription_product_is_refused(
    stigg_client: stigg.Stigg, single: Subscription
) -> None:
    before = written()

    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.subscriptions.transfer("sub-basic", destination_resource_id="site-2")

    assert raised.value.body == domain_error(
        "VALIDATION_ERROR",
        "product product-main allows one subscription per customer: its subscriptions have no resource to transfer to",
        field="destinationResourceId",
    )
    assert written() == before


def test_archiving_the_paying_customer_cancels_the_subscriptions_it_pays_for(
    stigg_client: stigg.Stigg, single: Subscription
) -> None:
    stigg_client.v1.subscriptions.delegate("sub-basic", target_customer_id="customer-2")

    stigg_client.v1.customers.archive("customer-1")

    data = stigg_client.v1.subscriptions.retrieve("sub-basic").data
    assert (data.customer_id, data.status, data.cancel_reason) == ("customer-2", "CANCELED", "CustomerArchived")


def test_delegating_a_trial_away_does_not_give_the_payer_a_second_trial(
    stigg_client: stigg.Stigg, single: Subscription
) -> None:
    stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="IMMEDIATE")
    provision("plan-pro", now=NOW, ref_id="sub-trial", billing_period="MONTHLY", unit_quantity=1)
    stigg_client.v1.subscriptions.delegate("sub-trial", target_customer_id="customer-2")

    again = stigg_client.v1.subscriptions.provision(
        customer_id="customer-1", plan_id="plan-pro", billing_period="MONTHLY", unit_quantity=1
    ).data

    assert again.subscription is not None
    assert (again.subscription.status, again.subscription.trial_end_date) == ("ACTIVE", None)
