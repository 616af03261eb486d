"""A usage counter's own history page (Django's object history) is not the usage-history page that shares the name.

``UsageCounterAdmin`` once defined its usage-history view as ``history_view``, replacing Django's object history
view, so ``/admin/metering/usagecounter/<pk>/history/`` called it with an argument it does not take (a 500).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from metering.models import UsageCounter
from metering.services import UsageReport, usage_report
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

pytestmark = pytest.mark.django_db


def test_a_counter_history_page_is_djangos_object_history() -> None:
    catalog_for_entitlements()
    customer("customer-1")
    provision("plan-basic", now=timezone.now() - timedelta(days=1))
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(4))], now=timezone.now())
    operator = Client()
    operator.force_login(User.objects.create_superuser("root", "root@example.com", "password"))

    page = operator.get(f"/admin/metering/usagecounter/{UsageCounter.objects.get().pk}/history/")

    assert page.status_code == 200
    assert page.context["action_list"] is not None
