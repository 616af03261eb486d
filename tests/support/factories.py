"""Factories for customer rows (setup only: tests of behaviour go through the services or the API).

The only factory_boy factories of the suite: every other app builds its rows through its services
(``tests/<app>/builders.py``), since a raw row there (a grant without its ledger entry, a subscription without its
period) is a state the services never produce."""

from datetime import UTC, datetime

import factory

from customers.models import Customer, CustomerResource

CREATED_AT = datetime(2024, 6, 1, 12, tzinfo=UTC)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    ref_id = factory.Sequence(lambda number: f"customer-{number}")
    name = factory.Sequence(lambda number: f"Customer {number}")
    email = factory.Sequence(lambda number: f"billing-{number}@example.test")
    created_at = CREATED_AT
    updated_at = CREATED_AT


class CustomerResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerResource

    customer = factory.SubFactory(CustomerFactory)
    ref_id = factory.Sequence(lambda number: f"resource-{number}")
    created_at = CREATED_AT
    updated_at = CREATED_AT
