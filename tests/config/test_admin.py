from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from config.api_keys import api_key_create, api_key_find_active, api_key_revoke
from config.models import ApiKey

CHANGELIST = "/admin/config/apikey/"
REVOKED_EARLIER = datetime(2024, 1, 1, tzinfo=UTC)
REVOKED_NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.fixture
def three_keys(db: None) -> list[ApiKey]:
    keys = [api_key_create(name=name, now=timezone.now())[0] for name in ("first", "second", "third")]
    api_key_revoke(api_key=keys[2], now=REVOKED_EARLIER)
    return keys


def test_changelist_shows_the_keys(admin_client: Client, three_keys: list[ApiKey]) -> None:
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == sorted(
        (key.pk for key in three_keys), reverse=True
    )
    assert response.context["cl"].list_display == ["action_checkbox", "name", "prefix", "created_at", "revoked_at"]


def test_revoke_action_revokes_the_selected_active_keys(admin_client: Client, three_keys: list[ApiKey]) -> None:
    first, second, third = three_keys

    with time_machine.travel(REVOKED_NOW, tick=False):
        response = admin_client.post(
            CHANGELIST, {"action": "revoke_selected", "_selected_action": [first.pk, third.pk]}
        )

    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["Revoked 1 API key(s)."]
    assert ApiKey.objects.get(pk=first.pk).revoked_at == REVOKED_NOW
    assert ApiKey.objects.get(pk=second.pk).revoked_at is None
    assert ApiKey.objects.get(pk=third.pk).revoked_at == REVOKED_EARLIER


def test_revoke_action_is_hidden_without_change_permission(client: Client, three_keys: list[ApiKey]) -> None:
    viewer = User.objects.create_user(username="viewer", password="viewer-password", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_apikey"))
    client.force_login(viewer)

    response = client.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [three_keys[0].pk]})

    assert response.status_code == 200
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 2


def test_add_form_creates_a_key_and_shows_the_secret_once(admin_client: Client) -> None:
    response = admin_client.post(f"{CHANGELIST}add/", {"name": "reporting"}, follow=True)

    assert response.status_code == 200
    api_key = ApiKey.objects.get()
    assert api_key.name == "reporting"
    shown = [str(message) for message in response.context["messages"]]
    assert shown[0].startswith("Copy the new API key now; it is not stored and will not be shown again: ")
    raw_key = shown[0].rsplit(" ", 1)[-1]
    assert api_key_find_active(raw_key) == api_key
    assert raw_key not in admin_client.get(f"{CHANGELIST}{api_key.pk}/change/").content.decode()


def test_add_form_asks_only_for_the_name(admin_client: Client) -> None:
    response = admin_client.get(f"{CHANGELIST}add/")

    assert list(response.context["adminform"].form.fields) == ["name"]


def test_keys_cannot_be_edited(admin_client: Client, three_keys: list[ApiKey]) -> None:
    api_key = three_keys[0]

    response = admin_client.post(f"{CHANGELIST}{api_key.pk}/change/", {"name": "renamed"})

    assert response.status_code == 403
    assert ApiKey.objects.get(pk=api_key.pk).name == "first"


def test_keys_cannot_be_deleted(admin_client: Client, three_keys: list[ApiKey]) -> None:
    api_key = three_keys[0]

    response = admin_client.post(f"{CHANGELIST}{api_key.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert ApiKey.objects.count() == 3
