from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from catalog import enums
from catalog.models import (
    Coupon,
    CouponAmountOff,
    CustomCurrency,
    Feature,
    Package,
    PackageEntitlement,
    PackageVersion,
    Price,
    Product,
)
from config.api_keys import api_key_find_active
from config.models import ApiKey

LOADED_AT = datetime(2024, 3, 1, 9, tzinfo=UTC)
MODELS = [Product, Feature, CustomCurrency, Package, PackageVersion, PackageEntitlement, Price, Coupon, CouponAmountOff]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def entitlements_of(ref_id: str) -> set[tuple]:
    version = PackageVersion.objects.get(package__ref_id=ref_id, is_latest=True)
    return {
        (
            entitlement.target_ref_id,
            entitlement.usage_limit,
            entitlement.has_unlimited_usage,
            entitlement.reset_period,
            tuple(entitlement.enum_values or ()),
            entitlement.amount,
            entitlement.cadence,
        )
        for entitlement in version.entitlements.select_related("feature", "currency")
    }


def run(command: str, *args: str) -> str:
    output = StringIO()
    call_command(command, *args, stdout=output)
    return output.getvalue()


@pytest.mark.django_db
def test_loaddemo_creates_exactly_the_demo_catalog() -> None:
    with time_machine.travel(LOADED_AT, tick=False):
        output = run("loaddemo")

    assert output == (
        "Demo catalog: created product revvenu, feature sso, feature max-projects, feature api-calls, "
        "feature support-tier, feature seats, currency ai-tokens, addon extra-projects, plan free, plan pro, "
        "plan enterprise, coupon launch-20, product settings (downgrade to free).\n"
    )
    assert counts() == {
        "Product": 1,
        "Feature": 5,
        "CustomCurrency": 1,
        "Package": 4,
        "PackageVersion": 4,
        "PackageEntitlement": 13,
        "Price": 3,
        "Coupon": 1,
        "CouponAmountOff": 0,
    }
    product = Product.objects.get()
    assert (product.ref_id, product.subscription_end_setup, product.downgrade_plan.ref_id) == (
        "revvenu",
        enums.SubscriptionEndSetup.DOWNGRADE_TO_FREE,
        "free",
    )
    assert {
        (feature.ref_id, feature.feature_type, feature.meter_type, feature.status) for feature in Feature.objects.all()
    } == {
        ("sso", "BOOLEAN", "None", "ACTIVE"),
        ("max-projects", "NUMBER", "None", "ACTIVE"),
        ("api-calls", "NUMBER", "INCREMENTAL", "ACTIVE"),
        ("support-tier", "ENUM", "None", "ACTIVE"),
        ("seats", "NUMBER", "FLUCTUATING", "ACTIVE"),
    }
    assert Feature.objects.get(ref_id="api-calls").meter == {
        "aggregation": {"function": "COUNT"},
        "filters": [{"conditions": [{"field": "eventName", "operation": "EQUALS", "value": "api_call"}]}],
    }
    assert [item["value"] for item in Feature.objects.get(ref_id="support-tier").enum_configuration] == [
        "community",
        "email",
        "priority",
    ]
    assert {
        (version.package.kind, version.package.ref_id, version.version_number, version.status, version.pricing_type)
        for version in PackageVersion.objects.select_related("package")
    } == {
        ("ADDON", "extra-projects", 1, "PUBLISHED", "PAID"),
        ("PLAN", "free", 1, "PUBLISHED", "FREE"),
        ("PLAN", "pro", 1, "PUBLISHED", "PAID"),
        ("PLAN", "enterprise", 1, "PUBLISHED", "CUSTOM"),
    }
    assert PackageVersion.objects.filter(is_latest=True, published_at=LOADED_AT).count() == 4
    pro = PackageVersion.objects.get(package__ref_id="pro")
    assert (pro.trial_duration, pro.trial_units, pro.trial_end_behavior) == (14, "DAY", "CONVERT_TO_PAID")
    assert [addon.ref_id for addon in pro.compatible_addons.all()] == ["extra-projects"]
    assert PackageVersion.objects.get(package__ref_id="enterprise").parent_plan.ref_id == "pro"
    assert {
        (
            price.version.package.ref_id,
            price.billing_model,
            price.feature_id and price.feature.ref_id,
            price.billing_period,
            price.amount,
        )
        for price in Price.objects.select_related("version__package", "feature")
    } == {
        ("pro", "PER_UNIT", "seats", "MONTHLY", Decimal("20.00")),
        ("pro", "PER_UNIT", "seats", "ANNUALLY", Decimal("200.00")),
        ("extra-projects", "FLAT_FEE", None, "MONTHLY", Decimal("10.00")),
    }
    assert entitlements_of("free") == {
        ("max-projects", 3, False, None, (), None, None),
        ("api-calls", 1000, False, "MONTH", (), None, None),
        ("support-tier", None, False, None, ("community",), None, None),
        ("seats", 1, False, None, (), None, None),
    }
    assert entitlements_of("pro") == {
        ("max-projects", 50, False, None, (), None, None),
        ("api-calls", 100000, False, "MONTH", (), None, None),
        ("support-tier", None, False, None, ("community", "email"), None, None),
        ("ai-tokens", None, False, None, (), Decimal("1000"), "MONTH"),
    }
    assert entitlements_of("enterprise") == {
        ("sso", None, False, None, (), None, None),
        ("max-projects", None, True, None, (), None, None),
        ("api-calls", None, True, None, (), None, None),
        ("support-tier", None, False, None, ("priority",), None, None),
    }
    assert entitlements_of("extra-projects") == {("max-projects", 10, False, None, (), None, None)}
    coupon = Coupon.objects.get()
    assert (coupon.ref_id, coupon.type, coupon.percent_off, coupon.duration_in_months, coupon.status) == (
        "launch-20",
        "PERCENTAGE",
        Decimal("20.00"),
        3,
        "ACTIVE",
    )


@pytest.mark.django_db
def test_loaddemo_twice_changes_nothing_the_second_time() -> None:
    run("loaddemo")
    before = counts()
    updated_at = sorted(PackageVersion.objects.values_list("updated_at", flat=True))

    output = run("loaddemo")

    assert output == "Demo catalog: already loaded, nothing to do.\n"
    assert counts() == before
    assert sorted(PackageVersion.objects.values_list("updated_at", flat=True)) == updated_at


# ``migrate`` runs as from the command line, outside a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_setupdemo_twice_keeps_the_admin_password_and_prints_a_working_key() -> None:
    first = run("setupdemo")
    password_line = next(line for line in first.splitlines() if line.startswith("Created superuser 'admin'"))
    password = password_line.rsplit(" ", 1)[-1]
    first_key = first.splitlines()[-4].rsplit(" ", 1)[-1]

    second = run("setupdemo")

    second_key = second.splitlines()[-4].rsplit(" ", 1)[-1]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(password)
    assert password not in second
    assert (
        "Superuser 'admin' already exists; its password is unchanged (run setupdemo --reset-password for a new one)."
        in second.splitlines()
    )
    assert "Demo catalog: already loaded, nothing to do." in second.splitlines()
    assert api_key_find_active(second_key) == ApiKey.objects.get(name="demo", revoked_at__isnull=True)
    assert api_key_find_active(first_key) is None
    assert second.splitlines()[-2:] == [
        "Next: run the server, then open http://127.0.0.1:8000/admin/ (operator console, user admin)",
        "and http://127.0.0.1:8000/api/docs (API docs).",
    ]
    assert Product.objects.count() == 1


# ``migrate`` runs as from the command line, outside a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_setupdemo_reset_password_sets_a_new_password() -> None:
    User.objects.create_superuser(username="admin", email="", password="old-password")

    output = run("setupdemo", "--reset-password")

    line = next(line for line in output.splitlines() if line.startswith("New password for 'admin'"))
    assert User.objects.get(username="admin").check_password(line.rsplit(" ", 1)[-1])
    assert not User.objects.get(username="admin").check_password("old-password")
