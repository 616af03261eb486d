import pytest
import stigg
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from config.api_keys import api_key_create, api_key_revoke

UNAUTHENTICATED_BODY = {"error": {"code": "UNAUTHENTICATED", "message": "Invalid or missing API key", "details": {}}}


@pytest.mark.django_db
def test_missing_key_is_401_in_the_error_shape() -> None:
    response = APIClient().get("/api/v1/features")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED_BODY
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"] == "X-API-KEY"


@pytest.mark.django_db
def test_wrong_key_is_401(api_key: str) -> None:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key + "x")

    response = client.get("/api/v1/features")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED_BODY


@pytest.mark.django_db
def test_revoked_key_is_401() -> None:
    api_key, raw_key = api_key_create(name="soon revoked", now=timezone.now())
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    assert client.get("/api/v1/features").status_code == 200

    api_key_revoke(api_key=api_key, now=timezone.now())
    response = client.get("/api/v1/features")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED_BODY


def test_official_client_raises_authentication_error_for_a_wrong_key(live_server: LiveServer) -> None:
    client = stigg.Stigg(api_key="mbo_not-a-key", base_url=live_server.url, max_retries=0)

    with pytest.raises(stigg.AuthenticationError) as caught:
        client.v1.features.list_features()

    assert caught.value.status_code == 401
    assert caught.value.body == UNAUTHENTICATED_BODY
    client.close()


def test_official_client_authenticates_with_a_valid_key(stigg_client: stigg.Stigg) -> None:
    page = stigg_client.v1.features.list_features()

    assert page.data == []
