"""The metering console: counters and measurements are listed and shown, never added, edited or deleted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from metering.models import UsageCounter, UsageMeasurement
from metering.services import UsageReport, usage_report
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db: None) -> Client:
    catalog_for_entitlements()
    customer("customer-1")
    provision("plan-basic", now=timezone.now() - timedelta(days=1))
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(4))], now=timezone.now())
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "password"))
    return client


@pytest.mark.parametrize(("model", "path"), [(UsageCounter, "usagecounter"), (UsageMeasurement, "usagemeasurement")])
def test_usage_is_shown_read_only(operator: Client, model: type, path: str) -> None:
    row = model.objects.get()
    listing = operator.get(f"/admin/metering/{path}/")
    detail = operator.get(f"/admin/metering/{path}/{row.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert b"customer-1" in listing.content
    assert operator.get(f"/admin/metering/{path}/add/").status_code == 403
    assert operator.post(f"/admin/metering/{path}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.count() == 1
