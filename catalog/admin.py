"""The catalog's operator console.

Every change goes through ``catalog.services``: add and change pages hand their cleaned data to the service for
that edit, and operator processes (publish, new draft, archive) are permission-gated actions calling the same
services as the API. A service's refusal re-renders the form with its message (nothing is written); an action's
refusal is shown with ``messages.error``. Published and archived plan versions are view-only, and nothing in the
catalog can be deleted from here: subscriptions and invoices keep pointing at it.

Products, features, currencies and coupons are here; plans, add-ons and their versions in ``catalog.admin_packages``
(registered by the import at the end of this module, which Django's admin autodiscovery loads).
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from import_export.admin import ImportExportMixin

from catalog import admin_forms, enums
from catalog.admin_base import HISTORY_FIELDS, ReadOnlyOnceSavedInline, ServiceAdmin, badge, mark_formset_saved
from catalog.admin_resources import CouponResource, FeatureResource
from catalog.models import Coupon, CouponAmountOff, CustomCurrency, Feature, Product
from catalog.services import coupons as coupon_services
from catalog.services import currencies as currency_services
from catalog.services import features as feature_services
from catalog.services import products as product_services
from config.admin_fields import FieldGroups

# Products --------------------------------------------------------------------------------------------------------


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    form = admin_forms.ProductForm
    list_display = ["ref_id", "display_name", "status_badge", "subscription_end_setup", "downgrade_plan", "created_at"]
    list_filter = ["status", "subscription_start_setup", "subscription_end_setup"]
    list_select_related = ["downgrade_plan", "subscription_start_plan"]
    search_fields = ["ref_id", "display_name"]
    ordering = ["ref_id"]
    actions = ["archive_products", "unarchive_products"]
    add_fields = ["ref_id", "display_name", "description", "metadata", "multiple_subscriptions"]
    fieldsets = [
        (
            None,
            {"fields": ["ref_id", "status_badge", "display_name", "description", "metadata", "multiple_subscriptions"]},
        ),
        (
            "Customer journey",
            {
                "fields": [
                    "subscription_start_setup",
                    "subscription_start_plan",
                    "subscription_end_setup",
                    "downgrade_plan",
                    "subscription_cancellation_time",
                    "prorate_at_end_of_billing_period",
                    "usage_reset_behavior",
                ]
            },
        ),
        ("History", {"fields": HISTORY_FIELDS}),
    ]

    @admin.display(description="status", ordering="status")
    def status_badge(self, product: Product) -> str:
        return badge(product.status)

    def get_fieldsets(self, request: HttpRequest, obj: Product | None = None) -> Any:
        return [(None, {"fields": self.add_fields})] if obj is None else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Product | None = None) -> list[str]:
        return [] if obj is None else ["ref_id", "status_badge", *HISTORY_FIELDS]

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        now = timezone.now()
        if change:
            saved = product_services.product_update(product=obj, changes=form.service_changes(), now=now)
        else:
            saved = product_services.product_create(now=now, **form.create_kwargs())
        admin_forms.adopt(obj, saved)

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.change_product")

    @admin.action(description="Archive selected products (with their plans and add-ons)", permissions=["archive"])
    def archive_products(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self.run_service(
            request,
            queryset,
            lambda product, now: product_services.product_archive(product=product, now=now).ref_id,
            done="Archived",
        )

    @admin.action(description="Unarchive selected products", permissions=["archive"])
    def unarchive_products(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self.run_service(
            request,
            queryset,
            lambda product, now: product_services.product_unarchive(product=product, now=now).ref_id,
            done="Unarchived",
        )


# Features ----------------------------------------------------------------------------------------------------------


@admin.register(Feature)
class FeatureAdmin(ImportExportMixin, ServiceAdmin):
    form = admin_forms.FeatureForm
    resource_classes = [FeatureResource]
    list_display = ["ref_id", "display_name", "feature_type", "meter_type", "status_badge", "created_at"]
    list_filter = ["feature_type", "meter_type", "status"]
    search_fields = ["ref_id", "display_name"]
    ordering = ["ref_id"]
    actions = ["archive_features", "unarchive_features"]
    fields = [
        "ref_id",
        "display_name",
        "description",
        "feature_type",
        "meter_type",
        "status_badge",
        "archived_at",
        "feature_units",
        "feature_units_plural",
        "metadata",
        "enum_configuration",
        "meter",
        "unit_transformation",
        *HISTORY_FIELDS,
    ]

    @admin.display(description="status", ordering="status")
    def status_badge(self, feature: Feature) -> str:
        return badge(feature.status)

    def get_fields(self, request: HttpRequest, obj: Feature | None = None) -> FieldGroups:
        if obj is None:
            return [name for name in self.fields if name not in {"status_badge", "archived_at", *HISTORY_FIELDS}]
        return self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Feature | None = None) -> list[str]:
        if obj is None:
            return []
        return ["ref_id", "feature_type", "meter_type", "status_badge", "archived_at", *HISTORY_FIELDS]

    def save_model(self, request: HttpRequest, obj: Feature, form: Any, change: bool) -> None:
        now = timezone.now()
        if change:
            saved = feature_services.feature_update(feature=obj, changes=form.service_changes(), now=now)
        else:
            saved = feature_services.feature_create(now=now, **form.create_kwargs())
        admin_forms.adopt(obj, saved)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.add_feature") and request.user.has_perm("catalog.change_feature")

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.change_feature")

    @admin.action(description="Archive selected features", permissions=["archive"])
    def archive_features(self, request: HttpRequest, queryset: QuerySet[Feature]) -> None:
        self.run_service(
            request,
            queryset,
            lambda feature, now: feature_services.feature_archive(feature=feature, now=now).ref_id,
            done="Archived",
        )

    @admin.action(description="Unarchive selected features", permissions=["archive"])
    def unarchive_features(self, request: HttpRequest, queryset: QuerySet[Feature]) -> None:
        self.run_service(
            request,
            queryset,
            lambda feature, now: feature_services.feature_unarchive(feature=feature, now=now).ref_id,
            done="Unarchived",
        )


# Custom currencies ---------------------------------------------------------------------------------------------


@admin.register(CustomCurrency)
class CustomCurrencyAdmin(ServiceAdmin):
    form = admin_forms.CustomCurrencyForm
    list_display = ["ref_id", "display_name", "symbol", "status_badge", "archived_at", "created_at"]
    list_filter = [("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["ref_id", "display_name"]
    ordering = ["ref_id", "-created_at"]
    actions = ["archive_currencies", "unarchive_currencies"]
    fields = [
        "ref_id",
        "display_name",
        "description",
        "status_badge",
        "symbol",
        "unit_singular",
        "unit_plural",
        "metadata",
        "archived_at",
        *HISTORY_FIELDS,
    ]

    @admin.display(description="status", ordering="archived_at")
    def status_badge(self, currency: CustomCurrency) -> str:
        return badge(enums.CurrencyStatus.ARCHIVED if currency.archived_at else enums.CurrencyStatus.ACTIVE)

    def get_fields(self, request: HttpRequest, obj: CustomCurrency | None = None) -> FieldGroups:
        if obj is None:
            return [name for name in self.fields if name not in {"status_badge", "archived_at", *HISTORY_FIELDS}]
        return self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: CustomCurrency | None = None) -> list[str]:
        return [] if obj is None else ["ref_id", "status_badge", "archived_at", *HISTORY_FIELDS]

    def save_model(self, request: HttpRequest, obj: CustomCurrency, form: Any, change: bool) -> None:
        now = timezone.now()
        if change:
            saved = currency_services.custom_currency_update(currency=obj, changes=form.service_changes(), now=now)
        else:
            saved = currency_services.custom_currency_create(now=now, **form.create_kwargs())
        admin_forms.adopt(obj, saved)

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.change_customcurrency")

    @admin.action(description="Archive selected currencies", permissions=["archive"])
    def archive_currencies(self, request: HttpRequest, queryset: QuerySet[CustomCurrency]) -> None:
        self.run_service(
            request,
            queryset,
            lambda currency, now: currency_services.custom_currency_archive(currency=currency, now=now).ref_id,
            done="Archived",
        )

    @admin.action(description="Unarchive selected currencies", permissions=["archive"])
    def unarchive_currencies(self, request: HttpRequest, queryset: QuerySet[CustomCurrency]) -> None:
        self.run_service(
            request,
            queryset,
            lambda currency, now: currency_services.custom_currency_unarchive(currency=currency, now=now).ref_id,
            done="Unarchived",
        )


# Coupons ---------------------------------------------------------------------------------------------------------


class CouponAmountOffInline(ReadOnlyOnceSavedInline):
    model = CouponAmountOff
    fields = ["currency", "amount"]
    verbose_name = "amount off"
    verbose_name_plural = "amounts off (FIXED coupons; leave empty for a percentage)"


@admin.register(Coupon)
class CouponAdmin(ImportExportMixin, ServiceAdmin):
    form = admin_forms.CouponForm
    resource_classes = [CouponResource]
    inlines = [CouponAmountOffInline]
    list_display = ["ref_id", "name", "type", "discount", "duration_in_months", "status_badge", "source", "created_at"]
    list_filter = ["status", "type", "source"]
    search_fields = ["ref_id", "name"]
    ordering = ["ref_id"]
    actions = ["archive_coupons"]
    add_fields = ("ref_id", "name", "description", "metadata", "percent_off", "duration_in_months")
    fields = [
        "ref_id",
        "name",
        "description",
        "metadata",
        "status_badge",
        "type",
        "percent_off",
        "duration_in_months",
        "source",
        "billing_id",
        *HISTORY_FIELDS,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Coupon]:
        return super().get_queryset(request).prefetch_related("amounts_off")

    @admin.display(description="status", ordering="status")
    def status_badge(self, coupon: Coupon) -> str:
        return badge(coupon.status)

    @admin.display(description="discount")
    def discount(self, coupon: Coupon) -> str:
        if coupon.percent_off is not None:
            return f"{coupon.percent_off.normalize():f}%"
        return ", ".join(f"{amount.amount.normalize():f} {amount.currency}" for amount in coupon.amounts_off.all())

    def get_fields(self, request: HttpRequest, obj: Coupon | None = None) -> FieldGroups:
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Coupon | None = None) -> list[str]:
        if obj is None:
            return []
        editable = {"name", "description", "metadata"}
        return [name for name in self.fields if isinstance(name, str) and name not in editable]

    def save_model(self, request: HttpRequest, obj: Coupon, form: Any, change: bool) -> None:
        # A new coupon is created in ``save_related``, where its amounts off (the inline) are known.
        if change:
            admin_forms.adopt(
                obj, coupon_services.coupon_update(coupon=obj, changes=form.service_changes(), now=timezone.now())
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        for formset in formsets:
            mark_formset_saved(formset)
        if change:
            return
        (amounts_formset,) = formsets
        amounts_off = [
            {"currency": item.cleaned_data["currency"], "amount": item.cleaned_data["amount"]}
            for item in amounts_formset.forms
            if item.has_changed() and not amounts_formset._should_delete_form(item)
        ]
        coupon = coupon_services.coupon_create(now=timezone.now(), **form.create_kwargs(amounts_off))
        admin_forms.adopt(form.instance, coupon)
        mark_formset_saved(amounts_formset, new=list(coupon.amounts_off.all()))

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.add_coupon") and request.user.has_perm("catalog.change_coupon")

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.change_coupon")

    @admin.action(description="Archive selected coupons", permissions=["archive"])
    def archive_coupons(self, request: HttpRequest, queryset: QuerySet[Coupon]) -> None:
        self.run_service(
            request,
            queryset,
            lambda coupon, now: coupon_services.coupon_archive(coupon=coupon, now=now).ref_id,
            done="Archived",
        )


from catalog import admin_packages  # noqa: E402, F401  (registers the plan and add-on pages)
