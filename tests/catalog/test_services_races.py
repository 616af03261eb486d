"""Concurrent creates with one id: the unique constraint decides, the loser gets a coded 409, never a 500."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.errors import DuplicateCatalogId
from catalog.models import Coupon, Feature, Product
from catalog.services.coupons import coupon_create
from catalog.services.features import feature_create
from catalog.services.products import product_create
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


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
    results, errors = race(lambda index: create(), threads=THREADS)

    assert len(results) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, DuplicateCatalogId) for error in errors)
    assert model.objects.count() == 1
