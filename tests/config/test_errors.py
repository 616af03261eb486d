"""Every failure leaves in the one error shape, as JSON, never as an HTML page or a redirect."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Feature


def not_found_body(method: str, path: str) -> dict:
    return {"error": {"code": "NOT_FOUND", "message": f"No route for {method} {path}", "details": {}}}


def test_unknown_api_path_is_404_json(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["x-should-retry"] == "false"
    assert response.json() == not_found_body("GET", "/api/v1/no-such-thing")


def test_trailing_slash_is_404_json_not_a_redirect(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/features/")

    assert response.status_code == 404
    assert response.json() == not_found_body("GET", "/api/v1/features/")


def test_post_with_trailing_slash_is_404_json_not_a_redirect(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/features/", {"id": "seats"}, format="json")

    assert response.status_code == 404
    assert response.json() == not_found_body("POST", "/api/v1/features/")
    assert Feature.objects.count() == 0


def test_wrong_method_is_405_json(api_client: APIClient) -> None:
    response = api_client.put("/api/v1/products", {}, format="json")

    assert response.status_code == 405
    assert response.json() == {
        "error": {"code": "METHOD_NOT_ALLOWED", "message": 'Method "PUT" not allowed.', "details": {}}
    }


def test_malformed_json_body_is_400_and_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/features", data='{"id": "seats",', content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "MALFORMED_REQUEST"
    assert body["error"]["message"].startswith("Malformed JSON body: ")
    assert body["error"]["details"] == {}
    assert Feature.objects.count() == 0


def test_json_array_body_is_400_and_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/features", data='[{"id": "seats"}]', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "MALFORMED_REQUEST", "message": "The JSON body must be an object", "details": {}}
    }
    assert Feature.objects.count() == 0


@pytest.mark.urls("tests.config.urls_boom")
def test_unexpected_exception_is_500_json_that_is_not_retried(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/boom")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response["x-should-retry"] == "false"
    assert response.json() == {"error": {"code": "INTERNAL_ERROR", "message": "Internal server error", "details": {}}}
