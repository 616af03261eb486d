"""The customers' operator console, through Django's test client."""

from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.test import Client

from config.errors import Conflict
from customers import admin as customers_admin
from customers import services
from customers.models import Customer
from tests.support.factories import make_customer, make_customer_resource

ADMIN = "/admin/customers/customer"
ARCHIVED_AT = datetime(2024, 6, 2, 12, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def shown_messages(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def post_action(client: Client, action: str, customers: list[Customer]) -> HttpResponse:
    data = {"action": action, "_selected_action": [customer.pk for customer in customers]}
    response = client.post(f"{ADMIN}/", data, follow=True)
    assert response.status_code == 200
    return response


def listed(response: HttpResponse) -> list[str]:
    return [customer.ref_id for customer in response.context["cl"].result_list]


def test_changelist_searches_by_id_name_and_email_and_filters_archived(admin_client: Client) -> None:
    make_customer(ref_id="acme", name="Acme", email="billing@acme.test")
    make_customer(ref_id="globex", name="Globex", email="ap@globex.test")
    make_customer(ref_id="initech", name=None, email=None, archived_at=ARCHIVED_AT)

    everyone = admin_client.get(f"{ADMIN}/")

    assert everyone.status_code == 200
    assert sorted(listed(everyone)) == ["acme", "globex", "initech"]
    assert listed(admin_client.get(f"{ADMIN}/", {"q": "glob"})) == ["globex"]
    assert listed(admin_client.get(f"{ADMIN}/", {"q": "Acme"})) == ["acme"]
    assert listed(admin_client.get(f"{ADMIN}/", {"q": "billing@acme"})) == ["acme"]
    assert sorted(listed(admin_client.get(f"{ADMIN}/", {"archived": "no"}))) == ["acme", "globex"]
    assert listed(admin_client.get(f"{ADMIN}/", {"archived": "yes"})) == ["initech"]


def test_change_page_shows_the_profile_and_resources_read_only(admin_client: Client) -> None:
    customer = make_customer(ref_id="acme", name="Acme", metadata={"tier": "gold"})
    make_customer_resource(customer=customer, ref_id="site-1")
    make_customer_resource(customer=customer, ref_id="site-2")

    response = admin_client.get(f"{ADMIN}/{customer.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Acme" in content
    assert "gold" in content
    assert "site-1" in content and "site-2" in content
    assert response.context["adminform"].form.fields == {}
    assert 'name="_save"' not in content


def test_customers_cannot_be_added_or_deleted_here(admin_client: Client) -> None:
    customer = make_customer()

    assert admin_client.get(f"{ADMIN}/add/").status_code == 403
    assert admin_client.get(f"{ADMIN}/{customer.pk}/delete/").status_code == 403
    choices = admin_client.get(f"{ADMIN}/").context["action_form"].fields["action"].choices
    # The subscriptions app registers its actions on this page (customer_page_register).
    assert [value for value, _ in choices] == [
        "",
        "archive_customers",
        "unarchive_customers",
        "provision_subscription",
        "adjust_balance",
    ]
    assert Customer.objects.count() == 1


def test_archive_and_unarchive_actions_call_the_services(admin_client: Client) -> None:
    acme = make_customer(ref_id="acme", name="Acme", email="a@acme.test")
    globex = make_customer(ref_id="globex")

    archived = post_action(admin_client, "archive_customers", [acme, globex])

    assert shown_messages(archived) == ["Archived: acme, globex."]
    acme.refresh_from_db()
    assert acme.archived_at is not None
    assert (acme.name, acme.email) == (None, None)
    assert Customer.objects.filter(archived_at__isnull=True).count() == 0

    unarchived = post_action(admin_client, "unarchive_customers", [acme])

    assert shown_messages(unarchived) == ["Unarchived: acme."]
    acme.refresh_from_db()
    assert acme.archived_at is None


def test_a_refused_action_is_shown_as_an_error(admin_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*, customer: Customer, now: datetime) -> Customer:
        raise Conflict("has something that blocks archiving")

    monkeypatch.setattr(services, "customer_archive", refuse)
    customer = make_customer(ref_id="acme")

    response = post_action(admin_client, "archive_customers", [customer])

    assert shown_messages(response) == ["acme: has something that blocks archiving"]
    customer.refresh_from_db()
    assert customer.archived_at is None


def test_an_app_section_adds_its_field_and_its_action_to_the_customer_page(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    @admin.display(description="loyalty")
    def loyalty(customer: Customer) -> str:
        return f"loyal since {customer.ref_id}"

    @admin.action(description="Reward")
    def reward(model_admin: customers_admin.CustomerAdmin, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        model_admin.message_user(request, f"Rewarded {queryset.count()}")

    monkeypatch.setattr(customers_admin, "_page_sections", {})
    customers_admin.customer_page_register(
        "loyalty",
        customers_admin.CustomerPageSection(
            fields=[loyalty], actions=[customers_admin.CustomerPageAction(reward, permission="customers.view_customer")]
        ),
    )
    customer = make_customer(ref_id="acme")

    page = admin_client.get(f"{ADMIN}/{customer.pk}/change/")
    choices = admin_client.get(f"{ADMIN}/").context["action_form"].fields["action"].choices

    assert "loyal since acme" in page.content.decode()
    assert [value for value, _ in choices] == ["", "archive_customers", "unarchive_customers", "reward"]
    assert shown_messages(post_action(admin_client, "reward", [customer])) == ["Rewarded 1"]
