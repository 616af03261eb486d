"""Customer rows for setup (tests of behaviour go through the services or the API).

Plain functions, not factory_boy: every other app builds its rows through its services
(``tests/<app>/builders.py``), since a raw row there (a grant without its ledger entry, a subscription without its
period) is a state the services never produce; customers were the only factories, and two functions say as much."""

from datetime import UTC, datetime
from itertools import count
from typing import Any

from customers.models import Customer, CustomerResource

CREATED_AT = datetime(2024, 6, 1, 12, tzinfo=UTC)
_numbers = count()


def make_customer(**fields: Any) -> Customer:
    """A customer row with distinct ref id, name and email unless given."""
    number = next(_numbers)
    values: dict[str, Any] = {
        "ref_id": f"customer-{number}",
        "name": f"Customer {number}",
        "email": f"billing-{number}@example.test",
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
    }
    return Customer.objects.create(**{**values, **fields})


def make_customer_resource(*, customer: Customer | None = None, **fields: Any) -> CustomerResource:
    """A resource row of ``customer`` (a new customer when not given)."""
    number = next(_numbers)
    values: dict[str, Any] = {"ref_id": f"resource-{number}", "created_at": CREATED_AT, "updated_at": CREATED_AT}
    return CustomerResource.objects.create(customer=customer or make_customer(), **{**values, **fields})
