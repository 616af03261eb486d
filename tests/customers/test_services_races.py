"""Concurrent provisioning and resource creation: the unique constraints decide, nobody sees a 500."""

from datetime import UTC, datetime

import pytest
import stigg
from pytest_django.live_server_helper import LiveServer

from customers.errors import DuplicateCustomerId
from customers.models import Customer, CustomerResource
from customers.services import customer_provision, customer_resource_get_or_create
from tests.races import THREADS, race
from tests.support.factories import make_customer

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def test_concurrent_provisions_of_one_customer_make_one_row_and_all_get_it() -> None:
    results, errors = race(lambda index: customer_provision(ref_id="acme", name="Acme", metadata={"a": "1"}, now=NOW))

    assert errors == []
    assert len({customer.pk for customer in results}) == 1
    assert len(results) == THREADS
    assert Customer.objects.count() == 1


def test_concurrent_provisions_with_different_details_make_one_row_and_coded_conflicts() -> None:
    results, errors = race(lambda index: customer_provision(ref_id="acme", name=f"Acme {index}", now=NOW))

    assert len(results) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, DuplicateCustomerId) for error in errors)
    assert Customer.objects.get().name == results[0].name


def test_concurrent_provisions_through_the_api_all_succeed_with_one_row(live_server: LiveServer, api_key: str) -> None:
    clients = [stigg.Stigg(api_key=api_key, base_url=live_server.url, max_retries=0) for _ in range(THREADS)]
    try:
        results, errors = race(
            lambda index: clients[index].v1.customers.provision(id="acme", name="Acme", email="a@acme.test")
        )
    finally:
        for client in clients:
            client.close()

    assert errors == []
    assert {(result.data.id, result.data.created_at) for result in results} == {
        (results[0].data.id, results[0].data.created_at)
    }
    assert len(results) == THREADS
    assert Customer.objects.count() == 1


def test_concurrent_get_or_create_of_one_resource_makes_one_row() -> None:
    customer = make_customer()

    results, errors = race(lambda index: customer_resource_get_or_create(customer=customer, ref_id="site", now=NOW))

    assert errors == []
    assert len({resource.pk for resource in results}) == 1
    assert len(results) == THREADS
    assert CustomerResource.objects.count() == 1
