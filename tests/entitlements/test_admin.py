"""The entitlements console, through Django's test client: grant and revoke promotions, effective entitlements."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from customers.selectors import customer_get
from entitlements import services
from entitlements.admin import effective_entitlements_url
from entitlements.models import PromotionalEntitlement
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

ADMIN = "/admin/entitlements/promotionalentitlement"

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")


def shown_messages(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def grant(feature_ref_id: str, customer_ref_id: str = "customer-1", **fields: Any) -> PromotionalEntitlement:
    (promotion,) = services.promotional_entitlements_grant(
        customer=customer_get(customer_ref_id),
        grants=[services.PromotionGrant(feature_ref_id, **{"period": "1 month", **fields})],
        now=timezone.now(),
        actor="test",
    )
    return promotion


def form_data(**fields: Any) -> dict[str, Any]:
    return {"customer": "customer-1", "feature": "sso", "period": "1 week", "is_visible": "on", **fields}


def test_changelist_searches_and_filters(admin_client: Client, catalog: None) -> None:
    customer("customer-2")
    replaced = grant("seats", usage_limit=1)
    current = grant("seats", usage_limit=2)
    other = grant("sso", customer_ref_id="customer-2")

    def listed(**query: str) -> list[int]:
        response = admin_client.get(f"{ADMIN}/", query)
        assert response.status_code == 200
        return sorted(promotion.pk for promotion in response.context["cl"].result_list)

    assert listed() == sorted([replaced.pk, current.pk, other.pk])
    assert listed(q="customer-2") == [other.pk]
    assert listed(current="yes") == sorted([current.pk, other.pk])
    assert listed(current="no") == [replaced.pk]
    content = admin_client.get(f"{ADMIN}/").content.decode()
    assert "REVOKED" in content and "ACTIVE" not in content.replace("Active", "")


def test_promotions_are_read_only_and_never_deleted(admin_client: Client, catalog: None) -> None:
    promotion = grant("sso")

    page = admin_client.get(f"{ADMIN}/{promotion.pk}/change/")

    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    assert admin_client.get(f"{ADMIN}/{promotion.pk}/delete/").status_code == 403
    choices = admin_client.get(f"{ADMIN}/").context["action_form"].fields["action"].choices
    assert [value for value, _ in choices] == ["", "revoke_promotions"]


def test_the_add_page_is_the_grant_form(admin_client: Client, catalog: None) -> None:
    page = admin_client.get(f"{ADMIN}/add/", {"customer": "customer-1"})

    assert page.status_code == 200
    assert page.context["form"].initial["customer"] == "customer-1"

    response = admin_client.post(f"{ADMIN}/add/", form_data(), follow=True)

    promotion = PromotionalEntitlement.objects.get()
    assert (promotion.feature.ref_id, promotion.period, promotion.granted_by) == ("sso", "1 week", "admin:admin")
    assert promotion.end_date == promotion.start_date + timedelta(weeks=1)
    assert shown_messages(response) == [f"Granted sso to customer-1 ({promotion.ref_id})."]


def test_the_grant_form_passes_limits_and_reset_anchors(admin_client: Client, catalog: None) -> None:
    data = form_data(feature="api-calls", usage_limit="50", reset_period="WEEK", reset_anchor="EveryFriday")

    admin_client.post(f"{ADMIN}/add/", data)

    promotion = PromotionalEntitlement.objects.get()
    assert (promotion.usage_limit, promotion.reset_period, promotion.reset_anchor) == (50, "WEEK", "EveryFriday")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"usage_limit": "3"}, "promotionalEntitlements[0].usageLimit: is not allowed for BOOLEAN feature sso"),
        ({"customer": "nobody"}, "customer: Customer nobody not found"),
        ({"period": "custom"}, "promotionalEntitlements[0].customEndDate: is required when period is custom"),
    ],
)
def test_grant_refusals_are_shown_and_write_nothing(
    admin_client: Client, catalog: None, fields: dict[str, str], error: str
) -> None:
    response = admin_client.post(f"{ADMIN}/add/", form_data(**fields))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [error]
    assert PromotionalEntitlement.objects.count() == 0


def test_revoke_action_calls_the_service_and_shows_refusals(admin_client: Client, catalog: None) -> None:
    replaced = grant("seats", usage_limit=1)
    current = grant("seats", usage_limit=2)
    sso = grant("sso")

    response = admin_client.post(
        f"{ADMIN}/",
        {"action": "revoke_promotions", "_selected_action": [replaced.pk, current.pk, sso.pk]},
        follow=True,
    )

    assert shown_messages(response) == [
        f"{replaced.ref_id}: is already revoked or replaced",
        f"Revoked: {current.ref_id}, {sso.ref_id}.",
    ]
    assert PromotionalEntitlement.objects.filter(revoked_at__isnull=True).count() == 0
    assert set(PromotionalEntitlement.objects.values_list("revoked_by", flat=True)) == {"test", "admin:admin"}


def test_operators_without_permission_cannot_grant_or_revoke(client: Client, catalog: None) -> None:
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_promotionalentitlement"))
    client.force_login(viewer)
    promotion = grant("sso")

    assert client.get(f"{ADMIN}/add/").status_code == 403
    assert client.get(f"{ADMIN}/").context["action_form"] is None
    assert client.get(effective_entitlements_url("customer-1")).status_code == 200
    assert PromotionalEntitlement.objects.get().pk == promotion.pk


def test_effective_entitlements_show_the_granting_sources(admin_client: Client, catalog: None) -> None:
    subscription = provision("plan-pro", now=timezone.now() - timedelta(days=1), addons=[("addon-seats", 1)])
    promotion = grant("storage", has_unlimited_usage=True, period="lifetime")

    response = admin_client.get(effective_entitlements_url("customer-1"))

    assert response.status_code == 200
    state = response.context["state"]
    assert state.access_denied_reason is None
    sources = {decision.feature.ref_id: [str(source) for source in decision.sources] for decision in state.entitlements}
    assert sources == {
        "api-calls": [f"PARENT_PLAN plan-basic ({subscription.ref_id})"],
        "seats": [f"PLAN plan-pro ({subscription.ref_id})", f"ADDON addon-seats ({subscription.ref_id})"],
        "sso": [f"PLAN plan-pro ({subscription.ref_id})"],
        "storage": [f"PROMOTIONAL {promotion.ref_id}", f"PARENT_PLAN plan-basic ({subscription.ref_id})"],
        "support-tier": [f"PLAN plan-pro ({subscription.ref_id})"],
    }
    content = response.content.decode()
    assert f"ADDON addon-seats ({subscription.ref_id})" in content
    assert "unlimited" in content


def test_effective_entitlements_of_an_unknown_customer(admin_client: Client, catalog: None) -> None:
    response = admin_client.get(effective_entitlements_url("nobody", "site-1"))

    assert response.status_code == 200
    assert "Access denied: CustomerNotFound" in response.content.decode()
    assert admin_client.get(f"{ADMIN}/effective/").context["state"] is None
