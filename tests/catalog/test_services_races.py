"""Concurrent creates with one id: the unique constraint decides, the loser gets a coded 409, never a 500."""

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from catalog.errors import DuplicateCatalogId
from catalog.models import Coupon, Feature, Product
from catalog.services.coupons import coupon_create
from catalog.services.features import feature_create
from catalog.services.products import product_create

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


def race(create: Callable[[], object]) -> tuple[int, list[BaseException]]:
    barrier = threading.Barrier(THREADS)
    successes: list[object] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            successes.append(create())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(successes), errors


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.parametrize(
    ("create", "model"),
    [
        (
            lambda: feature_create(ref_id="seats", display_name="Seats", feature_type="NUMBER", now=timezone.now()),
            Feature,
        ),
        (lambda: product_create(ref_id="app", display_name="App", now=timezone.now()), Product),
        (lambda: coupon_create(ref_id="c1", name="C1", percent_off=Decimal("10"), now=timezone.now()), Coupon),
    ],
)
def test_concurrent_creates_with_one_id_make_one_row(create: Callable[[], object], model: type) -> None:
    successes, errors = race(create)

    assert successes == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, DuplicateCatalogId) for error in errors)
    assert model.objects.count() == 1
