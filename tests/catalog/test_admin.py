from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import tablib
import time_machine
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.forms import BooleanField
from django.http import HttpResponse
from django.test import Client

from catalog import enums
from catalog.admin_resources import PackageEntitlementResource
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
from catalog.services.packages import package_create_draft

ADMIN = "/admin/catalog"
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
LATER = datetime(2024, 6, 2, 12, tzinfo=UTC)


@pytest.fixture
def demo(db: None) -> None:
    with time_machine.travel(NOW, tick=False):
        call_command("loaddemo", stdout=StringIO())


def package(ref_id: str) -> Package:
    return Package.objects.get(ref_id=ref_id)


def draft_of(ref_id: str) -> PackageVersion:
    with time_machine.travel(NOW, tick=False):
        return package_create_draft(package=package(ref_id), now=NOW)


def shown_messages(response: HttpResponse) -> list[str]:
    """The messages of one request (each test request consumes what it shows, so none carry over)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def post_action(client: Client, name: str, action: str, objects: list, **extra: str) -> HttpResponse:
    """Run a changelist action and follow the redirect, so its messages are shown (and consumed) by that page."""
    data = {"action": action, "_selected_action": [obj.pk for obj in objects], **extra}
    response = client.post(f"{ADMIN}/{name}/", data, follow=True)
    assert response.status_code == 200
    return response


def form_data(response: HttpResponse) -> dict[str, Any]:
    """The POST body of a rendered change form, as a browser would send it unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field, BooleanField):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(item) for item in value]
            else:
                data[form.add_prefix(name)] = "" if value is None else str(value)
    return data


def add_inline_row(data: dict[str, Any], prefix: str, row: dict[str, str]) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in row.items():
        data[f"{prefix}-{index}-{name}"] = value


def entitlement_rows(version: PackageVersion) -> list[tuple]:
    return sorted(
        (entitlement.target_ref_id, entitlement.usage_limit, entitlement.has_unlimited_usage, entitlement.updated_at)
        for entitlement in version.entitlements.select_related("feature", "currency")
    )


# Pages -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Product, {"ref_id": "revvenu"}),
        (Feature, {"ref_id": "api-calls"}),
        (CustomCurrency, {"ref_id": "ai-tokens"}),
        (Coupon, {"ref_id": "launch-20"}),
        (Package, {"ref_id": "pro"}),
        (PackageVersion, {"package__ref_id": "pro"}),
        (PackageEntitlement, {"currency__ref_id": "ai-tokens"}),
    ],
)
def test_changelist_and_change_page_render(admin_client: Client, demo: None, model: type, lookup: dict) -> None:
    name = model._meta.model_name
    obj = model.objects.get(**lookup)

    changelist = admin_client.get(f"{ADMIN}/{name}/")
    change_page = admin_client.get(f"{ADMIN}/{name}/{obj.pk}/change/")
    searched = admin_client.get(f"{ADMIN}/{name}/", {"q": "pro"})

    assert changelist.status_code == 200
    assert change_page.status_code == 200
    assert searched.status_code == 200
    assert obj in changelist.context["cl"].result_list


def test_draft_version_page_and_add_pages_render(admin_client: Client, demo: None) -> None:
    draft = draft_of("pro")

    assert admin_client.get(f"{ADMIN}/packageversion/{draft.pk}/change/").status_code == 200
    for name in ("product", "feature", "customcurrency", "coupon", "package"):
        assert admin_client.get(f"{ADMIN}/{name}/add/").status_code == 200


def test_package_changelist_shows_latest_version_draft_and_badge(admin_client: Client, demo: None) -> None:
    draft_of("pro")

    response = admin_client.get(f"{ADMIN}/package/", {"kind__exact": "PLAN"})

    rows = {package.ref_id: package for package in response.context["cl"].result_list}
    assert sorted(rows) == ["enterprise", "free", "pro"]
    assert (rows["pro"].latest_version_number, rows["pro"].has_draft) == (1, True)
    assert (rows["free"].latest_version_number, rows["free"].has_draft) == (1, False)
    assert 'class="catalog-badge catalog-badge-published"' in response.content.decode()


def test_nothing_can_be_deleted(admin_client: Client, demo: None) -> None:
    targets = [
        ("product", Product.objects.get()),
        ("feature", Feature.objects.get(ref_id="sso")),
        ("customcurrency", CustomCurrency.objects.get()),
        ("coupon", Coupon.objects.get()),
        ("package", package("free")),
        ("packageversion", PackageVersion.objects.get(package__ref_id="free")),
    ]

    for name, obj in targets:
        response = admin_client.post(f"{ADMIN}/{name}/{obj.pk}/delete/", {"post": "yes"})
        assert response.status_code == 403, name
        assert type(obj).objects.filter(pk=obj.pk).exists()


# Package actions -------------------------------------------------------------------------------------------------


def test_publish_action_asks_for_confirmation_first(admin_client: Client, demo: None) -> None:
    draft = draft_of("pro")

    response = admin_client.post(
        f"{ADMIN}/package/", {"action": "publish_draft", "_selected_action": [package("pro").pk]}
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/catalog/package/publish_draft.html"
    assert PackageVersion.objects.get(pk=draft.pk).status == enums.PackageStatus.DRAFT


def test_publish_action_publishes_the_draft_and_a_second_publish_shows_the_error(
    admin_client: Client, demo: None
) -> None:
    draft = draft_of("pro")
    publish = {"migration_type": "NEW_CUSTOMERS", "apply": "Publish"}

    with time_machine.travel(LATER, tick=False):
        first = post_action(admin_client, "package", "publish_draft", [package("pro")], **publish)
    second = post_action(admin_client, "package", "publish_draft", [package("pro")], **publish)

    assert shown_messages(first) == ["Published: pro v2."]
    published = PackageVersion.objects.get(pk=draft.pk)
    assert (published.status, published.is_latest, published.published_at) == ("PUBLISHED", True, LATER)
    assert PackageVersion.objects.get(package__ref_id="pro", version_number=1).is_latest is False
    assert shown_messages(second) == [
        "pro: pro has no draft: published versions are immutable; create a draft first (POST .../pro/draft)"
    ]


def test_draft_and_archive_actions_call_the_services(admin_client: Client, demo: None) -> None:
    drafted = post_action(admin_client, "package", "create_draft", [package("pro")])
    refused = post_action(admin_client, "package", "archive_packages", [package("free")])
    archived = post_action(admin_client, "package", "archive_packages", [package("enterprise")])

    assert shown_messages(drafted) == ["Drafts ready: pro v2."]
    assert PackageVersion.objects.get(package__ref_id="pro", version_number=2).status == "DRAFT"
    assert shown_messages(refused) == [
        "free: free is a product's start or downgrade plan; change the product's settings first"
    ]
    assert package("free").archived_at is None
    assert shown_messages(archived) == ["Archived: enterprise."]
    assert package("enterprise").archived_at is not None
    discarded = post_action(admin_client, "package", "discard_draft", [package("pro")])
    assert shown_messages(discarded) == ["Drafts discarded: pro."]
    assert list(PackageVersion.objects.filter(package__ref_id="pro").values_list("version_number", "status")) == [
        (1, "PUBLISHED")
    ]


def test_package_actions_need_the_change_permission(client: Client, demo: None) -> None:
    viewer = User.objects.create_user(username="viewer", password="viewer-password", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_package"))
    client.force_login(viewer)
    draft = draft_of("pro")

    response = client.post(
        f"{ADMIN}/package/",
        {"action": "publish_draft", "_selected_action": [package("pro").pk], "apply": "Publish"},
    )

    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert PackageVersion.objects.get(pk=draft.pk).status == "DRAFT"


def test_add_package_creates_it_through_the_service_and_opens_its_draft(admin_client: Client, demo: None) -> None:
    response = admin_client.post(
        f"{ADMIN}/package/add/",
        {
            "kind": "PLAN",
            "ref_id": "team",
            "product": Product.objects.get().pk,
            "display_name": "Team",
            "description": "",
            "pricing_type": "PAID",
        },
    )

    draft = PackageVersion.objects.get(package__ref_id="team")
    assert response.status_code == 302
    assert response["Location"] == f"{ADMIN}/packageversion/{draft.pk}/change/"
    assert (draft.version_number, draft.status, draft.display_name, draft.pricing_type) == (1, "DRAFT", "Team", "PAID")


def test_add_package_with_a_taken_id_shows_the_service_error(admin_client: Client, demo: None) -> None:
    response = admin_client.post(
        f"{ADMIN}/package/add/",
        {"kind": "PLAN", "ref_id": "pro", "product": Product.objects.get().pk, "display_name": "Again"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["Package with this Kind and Id already exists."]
    assert Package.objects.count() == 4


# Version pages -----------------------------------------------------------------------------------------------------


def test_published_version_is_read_only(admin_client: Client, demo: None) -> None:
    version = PackageVersion.objects.get(package__ref_id="pro")
    url = f"{ADMIN}/packageversion/{version.pk}/change/"

    page = admin_client.get(url)
    response = admin_client.post(url, {"display_name": "Renamed", "description": "changed"})

    assert page.context["has_change_permission"] is False
    assert page.context["adminform"].form.fields == {}
    assert [
        (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission)
        for inline in page.context["inline_admin_formsets"]
    ] == [(False, False, False), (False, False, False)]
    assert response.status_code == 403
    version.refresh_from_db()
    assert (version.display_name, version.updated_at) == ("Pro", NOW)


def test_editing_a_draft_goes_through_the_services(admin_client: Client, demo: None) -> None:
    draft = draft_of("free")
    url = f"{ADMIN}/packageversion/{draft.pk}/change/"
    data = form_data(admin_client.get(url))
    data["display_name"] = "Free forever"
    data["trial_duration"] = "7"
    data["trial_units"] = "DAY"
    add_inline_row(
        data,
        "entitlements",
        {
            "type": "FEATURE",
            "feature": str(Feature.objects.get(ref_id="sso").pk),
            "behavior": "Increment",
            "is_granted": "on",
        },
    )

    with time_machine.travel(LATER, tick=False):
        response = admin_client.post(url, data)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.display_name, draft.trial_duration, draft.trial_units, draft.updated_at) == (
        "Free forever",
        7,
        "DAY",
        LATER,
    )
    sso = draft.entitlements.get(feature__ref_id="sso")
    assert (sso.is_granted, sso.usage_limit, sso.created_at) == (True, None, LATER)
    assert draft.entitlements.count() == 5


def test_inline_refuses_a_usage_limit_on_a_boolean_feature_and_writes_nothing(admin_client: Client, demo: None) -> None:
    draft = draft_of("free")
    before = entitlement_rows(draft)
    url = f"{ADMIN}/packageversion/{draft.pk}/change/"
    data = form_data(admin_client.get(url))
    data["display_name"] = "Should not be saved"
    add_inline_row(
        data,
        "entitlements",
        {
            "type": "FEATURE",
            "feature": str(Feature.objects.get(ref_id="sso").pk),
            "usage_limit": "5",
            "behavior": "Increment",
            "is_granted": "on",
        },
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    (entitlements,) = [
        inline for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == "entitlements"
    ]
    assert entitlements.formset.forms[-1].non_field_errors() == ["usageLimit: is not allowed for BOOLEAN feature sso"]
    draft.refresh_from_db()
    assert (draft.display_name, draft.updated_at) == ("Free", NOW)
    assert entitlement_rows(draft) == before


def test_editing_an_entitlement_and_removing_one_on_a_draft(admin_client: Client, demo: None) -> None:
    draft = draft_of("free")
    url = f"{ADMIN}/packageversion/{draft.pk}/change/"
    data = form_data(admin_client.get(url))
    forms = {
        form.instance.target_ref_id: form
        for inline in admin_client.get(url).context["inline_admin_formsets"]
        if inline.formset.prefix == "entitlements"
        for form in inline.formset.forms
    }
    data[forms["max-projects"].add_prefix("usage_limit")] = "5"
    data[forms["seats"].add_prefix("DELETE")] = "on"

    with time_machine.travel(LATER, tick=False):
        response = admin_client.post(url, data)

    assert response.status_code == 302
    assert entitlement_rows(draft) == [
        ("api-calls", 1000, False, NOW),
        ("max-projects", 5, False, LATER),
        ("support-tier", None, False, NOW),
    ]


def test_editing_a_price_replaces_the_charges_through_the_service(admin_client: Client, demo: None) -> None:
    draft = draft_of("pro")
    url = f"{ADMIN}/packageversion/{draft.pk}/change/"
    page = admin_client.get(url)
    data = form_data(page)
    (prices,) = [
        inline.formset for inline in page.context["inline_admin_formsets"] if inline.formset.prefix == "prices"
    ]
    monthly = next(form for form in prices.forms if form.instance.billing_period == "MONTHLY")
    data[monthly.add_prefix("amount")] = "25.00"

    with time_machine.travel(LATER, tick=False):
        response = admin_client.post(url, data)

    assert response.status_code == 302
    assert sorted(
        (price.billing_model, price.feature.ref_id, price.billing_period, price.amount, price.created_at)
        for price in draft.prices.select_related("feature")
    ) == [
        ("PER_UNIT", "seats", "ANNUALLY", Decimal("200.00"), LATER),
        ("PER_UNIT", "seats", "MONTHLY", Decimal("25.00"), LATER),
    ]
    assert PackageVersion.objects.get(pk=draft.pk).pricing_type == "PAID"
    assert sorted(
        Price.objects.filter(version__package__ref_id="pro", version__version_number=1).values_list("amount", flat=True)
    ) == [
        Decimal("20.00"),
        Decimal("200.00"),
    ]


def test_a_service_refusal_on_save_is_shown_on_the_form_and_nothing_is_written(
    admin_client: Client, demo: None
) -> None:
    draft = draft_of("pro")
    url = f"{ADMIN}/packageversion/{draft.pk}/change/"
    data = form_data(admin_client.get(url))
    data["pricing_type"] = "FREE"
    data["display_name"] = "Pro for free"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "charges.pricingModels: must be empty for a FREE package"
    ]
    draft.refresh_from_db()
    assert (draft.display_name, draft.pricing_type, draft.prices.count()) == ("Pro", "PAID", 2)


# Other pages -----------------------------------------------------------------------------------------------------


def test_add_feature_product_currency_and_coupon_through_their_services(admin_client: Client, db: None) -> None:
    with time_machine.travel(NOW, tick=False):
        responses = [
            admin_client.post(f"{ADMIN}/product/add/", {"ref_id": "shop", "display_name": "Shop", "metadata": "{}"}),
            admin_client.post(
                f"{ADMIN}/feature/add/",
                {
                    "ref_id": "storage",
                    "display_name": "Storage",
                    "feature_type": "NUMBER",
                    "meter_type": "FLUCTUATING",
                    "metadata": '{"team": "core"}',
                    "enum_configuration": "null",
                    "meter": "null",
                    "unit_transformation": '{"divide": 1024, "round": "UP"}',
                },
            ),
            admin_client.post(
                f"{ADMIN}/customcurrency/add/", {"ref_id": "gems", "display_name": "Gems", "metadata": "{}"}
            ),
            admin_client.post(
                f"{ADMIN}/coupon/add/",
                {
                    "ref_id": "ten-off",
                    "name": "Ten off",
                    "metadata": "{}",
                    "amounts_off-TOTAL_FORMS": "2",
                    "amounts_off-INITIAL_FORMS": "0",
                    "amounts_off-0-currency": "usd",
                    "amounts_off-0-amount": "10",
                    "amounts_off-1-currency": "eur",
                    "amounts_off-1-amount": "9.5",
                },
            ),
        ]

    assert [response.status_code for response in responses] == [302, 302, 302, 302]
    assert Product.objects.get().created_at == NOW
    feature = Feature.objects.get()
    assert (feature.ref_id, feature.meter_type, feature.metadata, feature.unit_transformation, feature.status) == (
        "storage",
        "FLUCTUATING",
        {"team": "core"},
        {"divide": 1024, "round": "UP"},
        "NEW",
    )
    assert CustomCurrency.objects.get().ref_id == "gems"
    coupon = Coupon.objects.get()
    assert (coupon.type, coupon.percent_off) == ("FIXED", None)
    assert sorted(CouponAmountOff.objects.values_list("currency", "amount")) == [
        ("eur", Decimal("9.50")),
        ("usd", Decimal("10.00")),
    ]


def test_feature_form_refuses_a_bad_meter_shape_and_a_service_rule(admin_client: Client, db: None) -> None:
    base = {"ref_id": "events", "display_name": "Events", "feature_type": "NUMBER", "metadata": "{}"}
    bad_shape = admin_client.post(
        f"{ADMIN}/feature/add/", {**base, "meter_type": "INCREMENTAL", "meter": '{"filters": []}'}
    )
    bad_rule = admin_client.post(
        f"{ADMIN}/feature/add/",
        {**base, "meter_type": "None", "meter": '{"aggregation": {"function": "COUNT"}, "filters": []}'},
    )

    assert bad_shape.status_code == 200
    assert bad_shape.context["adminform"].form.errors["meter"] == [
        "meter: {'aggregation': [ErrorDetail(string='This field is required.', code='required')]}"
    ]
    assert bad_rule.status_code == 200
    assert bad_rule.context["adminform"].form.non_field_errors() == [
        "meter: is allowed only for metered NUMBER features (meterType other than None)"
    ]
    assert Feature.objects.count() == 0


def test_product_journey_is_validated_by_the_service(admin_client: Client, demo: None) -> None:
    product = Product.objects.get()
    url = f"{ADMIN}/product/{product.pk}/change/"
    data = form_data(admin_client.get(url))
    data["downgrade_plan"] = ""

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "productSettings.downgradePlanId: is required when subscriptionEndSetup is DOWNGRADE_TO_FREE"
    ]
    assert Product.objects.get().downgrade_plan.ref_id == "free"


def test_archive_actions_on_features_coupons_currencies_and_products(admin_client: Client, demo: None) -> None:
    unused = Feature.objects.create(
        ref_id="unused", display_name="Unused", feature_type="BOOLEAN", created_at=NOW, updated_at=NOW
    )
    feature_ids = [Feature.objects.get(ref_id="sso").pk, unused.pk]

    features = post_action(
        admin_client, "feature", "archive_features", list(Feature.objects.filter(pk__in=feature_ids))
    )
    coupons = post_action(admin_client, "coupon", "archive_coupons", [Coupon.objects.get()])
    currencies = post_action(admin_client, "customcurrency", "archive_currencies", [CustomCurrency.objects.get()])
    products = post_action(admin_client, "product", "archive_products", [Product.objects.get()])

    assert shown_messages(features) == [
        "sso: Feature sso is used by a plan or add-on that is not archived",
        "Archived: unused.",
    ]
    assert Feature.objects.get(ref_id="unused").status == "SUSPENDED"
    assert shown_messages(coupons) == ["Archived: launch-20."]
    assert Coupon.objects.get().status == "ARCHIVED"
    assert shown_messages(currencies) == ["ai-tokens: Custom currency ai-tokens is used by pro"]
    assert shown_messages(products) == ["Archived: revvenu."]
    assert set(PackageVersion.objects.values_list("status", flat=True)) == {"ARCHIVED"}


# Import and export -----------------------------------------------------------------------------------------------


def test_export_features_as_csv(admin_client: Client, demo: None) -> None:
    form = admin_client.get(f"{ADMIN}/feature/export/").context["form"]
    columns = {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}

    response = admin_client.post(f"{ADMIN}/feature/export/", {"format": "0", "resource": "0", **columns})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    lines = response.content.decode().splitlines()
    assert lines[0].split(",")[:5] == ["ref_id", "display_name", "description", "feature_type", "meter_type"]
    assert sorted(line.split(",")[0] for line in lines[1:]) == [
        "api-calls",
        "max-projects",
        "seats",
        "sso",
        "support-tier",
    ]


def entitlements_csv(version: int, target: str = "sso") -> SimpleUploadedFile:
    dataset = tablib.Dataset(headers=["kind", "package", "version", "type", "target", "usage_limit", "is_granted"])
    dataset.append(["PLAN", "pro", version, "FEATURE", target, "", "1"])
    return SimpleUploadedFile("entitlements.csv", dataset.export("csv").encode(), content_type="text/csv")


def test_import_of_entitlements_into_a_published_version_is_refused(admin_client: Client, demo: None) -> None:
    before = entitlement_rows(PackageVersion.objects.get(package__ref_id="pro"))

    response = admin_client.post(
        f"{ADMIN}/packageentitlement/import/", {"format": "0", "resource": "0", "import_file": entitlements_csv(1)}
    )

    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    assert [row.error.messages for row in result.invalid_rows] == [
        [
            "pro v1 is PUBLISHED: published versions are immutable, so only a draft version's entitlements "
            "can be imported (create a draft first)"
        ]
    ]
    assert "confirm_form" not in response.context
    assert entitlement_rows(PackageVersion.objects.get(package__ref_id="pro")) == before


def test_import_of_entitlements_into_a_draft_goes_through_the_service(demo: None) -> None:
    draft = draft_of("pro")
    resource = PackageEntitlementResource()
    dataset = tablib.Dataset(headers=["kind", "package", "version", "type", "target", "usage_limit", "is_granted"])
    dataset.append(["PLAN", "pro", 2, "FEATURE", "sso", "", "1"])
    dataset.append(["PLAN", "pro", 2, "FEATURE", "max-projects", "75", "1"])
    dataset.append(["PLAN", "pro", 2, "FEATURE", "seats", "", "1"])

    refused = resource.import_data(dataset, dry_run=False)
    dataset.pop()
    with time_machine.travel(LATER, tick=False):
        imported = resource.import_data(dataset, dry_run=False)

    assert [row.error.messages for row in refused.invalid_rows] == [
        ["entitlements[0].usageLimit: is required for NUMBER feature seats unless hasUnlimitedUsage is true"]
    ]
    assert not imported.has_errors() and not imported.has_validation_errors()
    assert [row.import_type for row in imported.rows] == ["new", "update"]
    rows = {entitlement[0]: entitlement for entitlement in entitlement_rows(draft)}
    assert rows["sso"] == ("sso", None, False, LATER)
    assert rows["max-projects"] == ("max-projects", 75, False, LATER)
    assert len(rows) == 5


def test_import_of_coupons_creates_them_through_the_service(admin_client: Client, db: None) -> None:
    dataset = tablib.Dataset(headers=["ref_id", "name", "percent_off", "amounts_off", "duration_in_months"])
    dataset.append(["spring", "Spring", "15", "", "2"])
    dataset.append(["flat", "Flat", "", "usd 5; eur 4.5", ""])
    upload = SimpleUploadedFile("coupons.csv", dataset.export("csv").encode(), content_type="text/csv")

    preview = admin_client.post(f"{ADMIN}/coupon/import/", {"format": "0", "resource": "0", "import_file": upload})
    confirm = preview.context["confirm_form"]
    response = admin_client.post(f"{ADMIN}/coupon/process_import/", {**confirm.initial, "resource": "0"})

    assert response.status_code == 302
    assert sorted(Coupon.objects.values_list("ref_id", "type", "percent_off", "duration_in_months")) == [
        ("flat", "FIXED", None, None),
        ("spring", "PERCENTAGE", Decimal("15.00"), 2),
    ]
    assert sorted(CouponAmountOff.objects.values_list("currency", "amount")) == [
        ("eur", Decimal("4.50")),
        ("usd", Decimal("5.00")),
    ]


def test_entitlement_list_is_read_only(admin_client: Client, demo: None) -> None:
    entitlement = PackageEntitlement.objects.filter(feature__ref_id="sso").get()

    response = admin_client.post(f"{ADMIN}/packageentitlement/{entitlement.pk}/change/", {"usage_limit": "3"})

    assert response.status_code == 403
    assert admin_client.get(f"{ADMIN}/packageentitlement/add/").status_code == 403
