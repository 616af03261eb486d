"""The customer page's subscriptions (added by ``subscriptions.admin_customers``), through Django's test client."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.http import HttpResponse
from django.test import Client

from customers.models import Customer
from subscriptions.models import CustomerBalance, CustomerBalanceTransaction, Subscription, SubscriptionStatusEvent
from subscriptions.services.balance import customer_balance_adjust
from subscriptions.services.cancellation import subscription_cancel
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision

CUSTOMERS = "/admin/customers/customer"
NOW = datetime(2024, 1, 31, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")
    customer("customer-2")


def customer_pk(ref_id: str) -> int:
    return Customer.objects.get(ref_id=ref_id).pk


def shown_messages(response: HttpResponse) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def provision_action(client: Client, customers: list[str], **form: object) -> HttpResponse:
    data = {
        "action": "provision_subscription",
        "_selected_action": [customer_pk(ref_id) for ref_id in customers],
        **form,
    }
    return client.post(f"{CUSTOMERS}/", data, follow=True)


def test_the_customer_page_lists_its_subscriptions_read_only_with_badges(admin_client: Client) -> None:
    cancelled = provision("plan-basic", now=NOW, billing_period="MONTHLY", ref_id="sub-old")
    subscription_cancel(subscription=cancelled, now=NOW, actor="test", cancellation_time="IMMEDIATE")
    provision("plan-pro", now=NOW, billing_period="MONTHLY", unit_quantity=3, ref_id="sub-pro")
    provision("plan-free", now=NOW, ref_id="sub-other", customer_ref_id="customer-2")

    response = admin_client.get(f"{CUSTOMERS}/{customer_pk('customer-1')}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "sub-old" in content and "sub-pro" in content
    assert "sub-other" not in content
    assert "subscription-badge-canceled" in content
    assert "subscription-badge-in_trial" in content  # plan-pro starts with its 14-day trial
    assert f'href="/admin/subscriptions/subscription/{cancelled.pk}/change/"' in content
    assert 'name="subscriptions-0-status"' not in content


def test_the_provision_action_asks_for_plan_period_and_quantity(admin_client: Client) -> None:
    response = admin_client.post(
        f"{CUSTOMERS}/", {"action": "provision_subscription", "_selected_action": [customer_pk("customer-1")]}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="provision_subscription-form"' in content
    plans = [value for value, _ in response.context["form"].fields["plan"].choices if value]
    assert sorted(str(value) for value in plans) == ["plan-basic", "plan-free", "plan-pro", "plan-trial-cancel"]
    assert list(response.context["form"].fields) == ["plan", "billing_period", "quantity"]
    assert not Subscription.objects.exists()


def test_the_provision_action_calls_the_provisioning_service(admin_client: Client) -> None:
    response = provision_action(
        admin_client,
        ["customer-1", "customer-2"],
        apply="1",
        plan="plan-pro",
        billing_period="ANNUALLY",
        quantity="3",
    )

    subscriptions = list(Subscription.objects.order_by("customer__ref_id"))
    assert [
        (row.customer.ref_id, row.plan.ref_id, row.billing_period, row.unit_quantity, row.status)
        for row in subscriptions
    ] == [
        ("customer-1", "plan-pro", "ANNUALLY", 3, "IN_TRIAL"),
        ("customer-2", "plan-pro", "ANNUALLY", 3, "IN_TRIAL"),
    ]
    assert set(SubscriptionStatusEvent.objects.values_list("actor", flat=True)) == {"admin:admin"}
    assert shown_messages(response) == [
        f"Provisioned: {subscriptions[0].ref_id} for customer-1, {subscriptions[1].ref_id} for customer-2."
    ]


def test_a_refused_provision_is_shown_and_writes_nothing(admin_client: Client) -> None:
    response = provision_action(admin_client, ["customer-1"], apply="1", plan="plan-basic")

    assert not Subscription.objects.exists()
    assert shown_messages(response) == ["customer-1: billingPeriod: is required: plan plan-basic is PAID"]


def test_the_provision_action_needs_the_permission_to_add_subscriptions(client: Client) -> None:
    operator = User.objects.create_user("operator", password="secret", is_staff=True)
    operator.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_customer", "change_customer"]),
    )
    client.force_login(operator)

    choices = client.get(f"{CUSTOMERS}/").context["action_form"].fields["action"].choices

    assert "provision_subscription" not in [value for value, _ in choices]
    response = provision_action(client, ["customer-1"], apply="1", plan="plan-free")
    assert not Subscription.objects.exists()
    assert response.status_code == 200


def adjust_action(client: Client, customers: list[str], **form: object) -> HttpResponse:
    data = {"action": "adjust_balance", "_selected_action": [customer_pk(ref_id) for ref_id in customers], **form}
    return client.post(f"{CUSTOMERS}/", data, follow=True)


def test_the_customer_page_shows_the_credit_balance_and_its_ledger(admin_client: Client) -> None:
    customer_balance_adjust(
        customer_id=customer_pk("customer-1"),
        currency="usd",
        amount=Decimal("12.50"),
        reason="goodwill for the outage",
        actor="admin:ops",
        now=NOW,
        request_key="k1",
    )

    response = admin_client.get(f"{CUSTOMERS}/{customer_pk('customer-1')}/change/")

    content = response.content.decode()
    assert "credit balance" in content.lower()
    assert "12.50" in content and "goodwill for the outage" in content
    assert 'name="balances-0-amount"' not in content  # read-only


def test_the_adjust_action_asks_for_a_form_then_adjusts_once_per_form(admin_client: Client) -> None:
    page = admin_client.post(
        f"{CUSTOMERS}/", {"action": "adjust_balance", "_selected_action": [customer_pk("customer-1")]}
    )
    token = page.context["form"].initial["token"]
    form = {"apply": "1", "currency": "usd", "amount": "20", "reason": "refund", "token": token}

    response = adjust_action(admin_client, ["customer-1", "customer-2"], **form)
    adjust_action(admin_client, ["customer-1", "customer-2"], **form)

    assert shown_messages(response) == ["Adjusted the balance of: customer-1, customer-2."]
    assert sorted(CustomerBalance.objects.values_list("customer__ref_id", "amount")) == [
        ("customer-1", Decimal(20)),
        ("customer-2", Decimal(20)),
    ]
    assert set(CustomerBalanceTransaction.objects.values_list("actor", "kind")) == {("admin:admin", "ADJUSTMENT")}


def test_an_adjustment_below_zero_is_shown_and_writes_nothing(admin_client: Client) -> None:
    form = {"apply": "1", "currency": "usd", "amount": "-1", "reason": "oops", "token": "t"}

    response = adjust_action(admin_client, ["customer-1"], **form)

    assert shown_messages(response) == ["customer-1: amount: the balance is 0.00 usd: it cannot go below zero"]
    assert not CustomerBalanceTransaction.objects.exists() and not CustomerBalance.objects.exists()
