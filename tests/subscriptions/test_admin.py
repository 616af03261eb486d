"""The subscriptions' operator console, through Django's test client."""

from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from catalog.services.products import product_create
from subscriptions.models import Invoice, Subscription
from subscriptions.services.cancellation import subscription_cancel
from tests.subscriptions.builders import CATALOG_AT, catalog_for_subscriptions, customer, package, provision, reload

SUBSCRIPTIONS = "/admin/subscriptions/subscription"
INVOICES = "/admin/subscriptions/invoice"
NOW = datetime(2024, 1, 31, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")
    customer("customer-2")


def shown_messages(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def post_action(client: Client, action: str, subscriptions: list[Subscription]) -> HttpResponse:
    data = {"action": action, "_selected_action": [subscription.pk for subscription in subscriptions]}
    response = client.post(f"{SUBSCRIPTIONS}/", data, follow=True)
    assert response.status_code == 200
    return response


def listed(response: HttpResponse) -> list[str]:
    return [subscription.ref_id for subscription in response.context["cl"].result_list]


def test_changelist_shows_badges_and_searches_by_customer(admin_client: Client) -> None:
    provision("plan-basic", now=NOW, billing_period="MONTHLY", ref_id="sub-1")
    provision("plan-free", now=NOW, ref_id="sub-2", customer_ref_id="customer-2")

    response = admin_client.get(f"{SUBSCRIPTIONS}/")

    assert response.status_code == 200
    assert sorted(listed(response)) == ["sub-1", "sub-2"]
    assert "subscription-badge-active" in response.content.decode()
    assert listed(admin_client.get(f"{SUBSCRIPTIONS}/", {"q": "customer-2"})) == ["sub-2"]
    assert listed(admin_client.get(f"{SUBSCRIPTIONS}/", {"status__exact": "ACTIVE", "q": "sub-1"})) == ["sub-1"]


def test_change_page_is_read_only_with_history_and_invoices(admin_client: Client) -> None:
    subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY")

    response = admin_client.get(f"{SUBSCRIPTIONS}/{subscription.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "provisioned" in content
    assert "Subscription Creation" in content
    assert 'name="status"' not in content
    assert admin_client.post(f"{SUBSCRIPTIONS}/{subscription.pk}/change/", {"status": "CANCELED"}).status_code == 403
    assert reload(subscription).status == "ACTIVE"
    assert admin_client.get(f"{SUBSCRIPTIONS}/add/").status_code == 403
    assert admin_client.get(f"{SUBSCRIPTIONS}/{subscription.pk}/delete/").status_code == 403


def test_cancel_now_action_calls_the_service_and_reports(admin_client: Client) -> None:
    subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY", ref_id="sub-1")

    response = post_action(admin_client, "cancel_now", [subscription])

    subscription = reload(subscription)
    assert (subscription.status, subscription.cancel_reason) == ("CANCELED", "Immediate")
    assert subscription.status_events.last().actor == "admin:admin"  # type: ignore[union-attr]
    assert shown_messages(response) == ["Cancelled: sub-1."]


def test_cancel_at_period_end_action_schedules_and_errors_are_shown(admin_client: Client) -> None:
    # The action reads the real clock: the subscription's period must still be running.
    live = provision("plan-basic", now=timezone.now(), billing_period="MONTHLY", ref_id="sub-1")
    ended = provision("plan-free", now=NOW, ref_id="sub-2", customer_ref_id="customer-2")
    subscription_cancel(subscription=ended, now=NOW, actor="test", cancellation_time="IMMEDIATE")

    response = post_action(admin_client, "cancel_at_period_end", [live, ended])

    assert (reload(live).status, reload(live).cancellation_date) == ("ACTIVE", live.current_period_end)
    assert shown_messages(response) == [
        "sub-2: subscription sub-2 is CANCELED and cannot be cancelled",
        "Scheduled to end at period end: sub-1.",
    ]


def test_invoices_are_read_only(admin_client: Client) -> None:
    provision("plan-basic", now=NOW, billing_period="MONTHLY")
    invoice = Invoice.objects.get()

    assert admin_client.get(f"{INVOICES}/").status_code == 200
    page = admin_client.get(f"{INVOICES}/{invoice.pk}/change/")
    assert page.status_code == 200
    assert "Basic" in page.content.decode()
    assert admin_client.get(f"{INVOICES}/add/").status_code == 403
    assert admin_client.post(f"{INVOICES}/{invoice.pk}/change/", {"total": "0"}).status_code == 403
    assert admin_client.get(f"{INVOICES}/{invoice.pk}/delete/").status_code == 403
    assert Invoice.objects.get().total == 10


def test_invoices_needing_attention_are_filtered_with_their_collection_status(
    admin_client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        stale = provision("plan-basic", now=NOW, billing_period="MONTHLY")
        fresh = provision("plan-basic", now=timezone.now(), customer_ref_id="customer-2", billing_period="MONTHLY")

    response = admin_client.get(f"{INVOICES}/", {"collection": "attention"})

    assert response.status_code == 200
    assert [invoice.subscription_id for invoice in response.context["cl"].result_list] == [stale.pk]
    assert "PENDING" in response.content.decode()
    assert Invoice.objects.get(subscription=fresh).collection_status == "PENDING"


def test_the_delegate_action_asks_for_the_customer_then_delegates(admin_client: Client) -> None:
    subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY", ref_id="sub-1")
    selected = {"action": "delegate", "_selected_action": [subscription.pk]}

    form_page = admin_client.post(f"{SUBSCRIPTIONS}/", selected)
    assert form_page.status_code == 200
    assert 'id="delegate-form"' in form_page.content.decode()
    assert reload(subscription).customer.ref_id == "customer-1"

    response = admin_client.post(f"{SUBSCRIPTIONS}/", {**selected, "apply": "1", "target_customer_id": "customer-2"})
    response = admin_client.get(response.url)

    subscription = reload(subscription)
    assert (subscription.customer.ref_id, subscription.paying_customer.ref_id) == ("customer-2", "customer-1")  # type: ignore[union-attr]
    assert subscription.status_events.last().actor == "admin:admin"  # type: ignore[union-attr]
    assert shown_messages(response) == ["Delegated to customer-2: sub-1."]


def test_the_delegate_action_shows_refusals_and_changes_nothing(admin_client: Client) -> None:
    subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY", ref_id="sub-1")
    provision("plan-free", now=NOW, ref_id="sub-2", customer_ref_id="customer-2")
    selected = {"action": "delegate", "_selected_action": [subscription.pk], "apply": "1"}

    taken = admin_client.post(f"{SUBSCRIPTIONS}/", {**selected, "target_customer_id": "customer-2"}, follow=True)
    unknown = admin_client.post(f"{SUBSCRIPTIONS}/", {**selected, "target_customer_id": "nobody"}, follow=True)

    assert [message.split(":")[0] for message in shown_messages(taken) + shown_messages(unknown)] == [
        "sub-1",
        "sub-1",
    ]
    assert "nobody" in shown_messages(unknown)[0]
    subscription = reload(subscription)
    assert (subscription.customer.ref_id, subscription.paying_customer) == ("customer-1", None)


def test_the_transfer_action_moves_to_another_resource_and_shows_refusals(admin_client: Client) -> None:
    product_create(ref_id="product-sites", display_name="Sites", multiple_subscriptions=True, now=CATALOG_AT)
    package("PLAN", "plan-site", product="product-sites")
    site = provision("plan-site", now=NOW, ref_id="sub-site", resource_ref_id="site-1")
    single = provision("plan-basic", now=NOW, billing_period="MONTHLY", ref_id="sub-1")
    selected = {"action": "transfer", "_selected_action": [site.pk, single.pk]}
    assert 'id="transfer-form"' in admin_client.post(f"{SUBSCRIPTIONS}/", selected).content.decode()

    response = admin_client.post(
        f"{SUBSCRIPTIONS}/", {**selected, "apply": "1", "destination_resource_id": "site-2"}, follow=True
    )

    assert (reload(site).resource_key, reload(single).resource_key) == ("site-2", "")
    messages = shown_messages(response)
    assert messages[0].startswith("sub-1: destinationResourceId: product product-main allows one subscription per")
    assert messages[1:] == ["Transferred to site-2: sub-site."]
