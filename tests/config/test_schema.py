import pytest
from django.test import Client


@pytest.mark.django_db
def test_schema_is_an_openapi_document_served_without_a_key(client: Client) -> None:
    response = client.get("/api/schema", {"format": "json"})

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Monetization backoffice API"


@pytest.mark.django_db
def test_schema_defaults_to_yaml(client: Client) -> None:
    response = client.get("/api/schema")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


@pytest.mark.django_db
def test_docs_page_is_html_served_without_a_key(client: Client) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger-ui" in response.content
