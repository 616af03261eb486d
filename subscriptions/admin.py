"""The subscriptions' operator console.

Subscriptions are made by the API (and the jobs); here operators find them, read their terms, periods, status
history and invoices, and cancel them with actions that call the same service as the API. Status, money and
periods are never edited in place, and nothing is deleted. Invoices are history: read-only.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from catalog.admin_base import ServiceAdmin
from catalog.enums import CancellationTime
from config.admin_actions import action_form_page
from customers.admin import customer_page_register
from subscriptions import admin_customers
from subscriptions.admin_ownership import delegate, transfer
from subscriptions.admin_widgets import HistoryInline, badge
from subscriptions.enums import MigrationTime, ScheduleStatus
from subscriptions.models import (
    Invoice,
    InvoiceLine,
    PlanMigration,
    PlanMigrationFailure,
    Subscription,
    SubscriptionAddon,
    SubscriptionEntitlement,
    SubscriptionFeatureQuantity,
    SubscriptionStatusEvent,
)
from subscriptions.selectors import invoices_needing_attention
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.migration import subscription_migrate_to_latest
from subscriptions.services.scheduled_updates import scheduled_updates_cancel


class MigrateToLatestForm(forms.Form):
    when = forms.ChoiceField(
        choices=MigrationTime.choices,
        initial=MigrationTime.IMMEDIATE,
        help_text="IMMEDIATE: now, the price difference prorated for the rest of the period. END_OF_BILLING_PERIOD: "
        "scheduled for the end of the current period.",
    )


class SubscriptionAddonInline(HistoryInline):
    model = SubscriptionAddon
    fields = ["addon", "addon_version", "quantity"]
    verbose_name = "add-on"


class SubscriptionFeatureQuantityInline(HistoryInline):
    model = SubscriptionFeatureQuantity
    fields = ["feature", "quantity"]
    verbose_name = "billable quantity"
    verbose_name_plural = "billable quantities"


class SubscriptionEntitlementInline(HistoryInline):
    model = SubscriptionEntitlement
    fields = ["type", "feature", "currency", "usage_limit", "has_unlimited_usage", "has_soft_limit", "reset_period"]
    verbose_name = "custom entitlement"


class SubscriptionStatusEventInline(HistoryInline):
    model = SubscriptionStatusEvent
    fields = ["occurred_at", "from_status", "to_status", "reason", "actor"]
    ordering = ["pk"]
    verbose_name = "status change"


class InvoiceInline(HistoryInline):
    model = Invoice
    fields = ["billing_reason", "status", "period_start", "period_end", "currency", "total", "created_at"]
    ordering = ["-pk"]
    show_change_link = True


@admin.register(Subscription)
class SubscriptionAdmin(ServiceAdmin):
    list_display = [
        "ref_id",
        "customer",
        "plan",
        "status_badge",
        "billing_period",
        "current_period_end",
        "cancellation_date",
        "created_at",
    ]
    list_filter = ["status", "product", "billing_period", "is_trial", "cancel_reason"]
    list_select_related = ["customer", "plan"]
    search_fields = ["ref_id", "customer__ref_id", "plan__ref_id", "resource_key"]
    ordering = ["-created_at", "-pk"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "ref_id",
                    "status_badge",
                    "customer",
                    "paying_customer",
                    "product",
                    "plan",
                    "plan_version",
                    "resource",
                ]
            },
        ),
        (
            "Billing",
            {
                "fields": [
                    "billing_period",
                    "currency",
                    "billing_country_code",
                    "unit_quantity",
                    "tax_percentage",
                    "coupon",
                    "coupon_applied_at",
                    "payment_collection",
                    "payment_collection_method",
                    "billing_id",
                ]
            },
        ),
        ("Trial", {"fields": ["is_trial", "trial_end_date", "trial_end_behavior"]}),
        (
            "Dates",
            {
                "fields": [
                    "start_date",
                    "billing_cycle_anchor",
                    "current_period_start",
                    "current_period_end",
                    "cancellation_date",
                    "effective_end_date",
                    "end_date",
                    "cancel_reason",
                    "replaced_by",
                    "downgraded_from",
                ]
            },
        ),
        ("Other", {"fields": ["metadata", "created_at", "updated_at"]}),
    ]
    inlines = [
        SubscriptionAddonInline,
        SubscriptionFeatureQuantityInline,
        SubscriptionEntitlementInline,
        InvoiceInline,
        SubscriptionStatusEventInline,
    ]
    actions = [
        "cancel_now",
        "cancel_at_period_end",
        "migrate_to_latest",
        "cancel_scheduled_updates",
        delegate,
        transfer,
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Subscription | None = None) -> list[str]:
        return flatten_fieldsets(self.fieldsets)

    @admin.display(description="status", ordering="status")
    def status_badge(self, subscription: Subscription) -> str:
        return badge(subscription.status)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Subscription | None = None) -> bool:
        # Read-only here: subscriptions change through the API, the jobs and the actions below.
        return False

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subscriptions.change_subscription")

    def has_migrate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subscriptions.change_subscription")

    def _cancel(self, request: HttpRequest, cancellation_time: str) -> Callable[[Subscription, datetime], str]:
        actor = f"admin:{request.user.get_username()}"

        def cancel(subscription: Subscription, now: datetime) -> str:
            subscription_cancel(subscription=subscription, now=now, actor=actor, cancellation_time=cancellation_time)
            return subscription.ref_id

        return cancel

    @admin.action(description="Cancel selected subscriptions now", permissions=["cancel"])
    def cancel_now(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self.run_service(request, queryset, self._cancel(request, CancellationTime.IMMEDIATE), done="Cancelled")

    @admin.action(description="Cancel selected subscriptions at the end of their period", permissions=["cancel"])
    def cancel_at_period_end(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self.run_service(
            request,
            queryset,
            self._cancel(request, CancellationTime.END_OF_BILLING_PERIOD),
            done="Scheduled to end at period end",
        )

    @admin.action(description="Migrate selected subscriptions to the latest versions", permissions=["migrate"])
    def migrate_to_latest(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> HttpResponse | None:
        form = MigrateToLatestForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_form_page(
                self,
                request,
                queryset,
                action="migrate_to_latest",
                title="Migrate to the latest versions",
                intro="Each subscription moves to the latest published version of its plan and add-ons.",
                form=form,
                submit="Migrate",
            )
        when = form.cleaned_data["when"]
        actor = f"admin:{request.user.get_username()}"

        def migrate(subscription: Subscription, now: datetime) -> str:
            migrated = subscription_migrate_to_latest(subscription_id=subscription.pk, now=now, when=when, actor=actor)
            return f"{migrated.ref_id} (plan v{migrated.plan_version.version_number})"

        done = "Migrated" if when == MigrationTime.IMMEDIATE else "Migration scheduled for period end"
        self.run_service(request, queryset, migrate, done=done)
        return None

    @admin.action(description="Cancel the scheduled updates of selected subscriptions", permissions=["migrate"])
    def cancel_scheduled_updates(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        actor = f"admin:{request.user.get_username()}"

        def cancel(subscription: Subscription, now: datetime) -> str:
            cancelled = scheduled_updates_cancel(
                subscription_id=subscription.pk, status=ScheduleStatus.SCHEDULED, now=now, actor=actor
            )
            return f"{subscription.ref_id} ({cancelled})"

        self.run_service(request, queryset, cancel, done="Scheduled updates cancelled")


class InvoiceLineInline(HistoryInline):
    model = InvoiceLine
    fields = ["position", "description", "quantity", "unit_price", "amount", "currency"]


class CollectionAttentionFilter(admin.SimpleListFilter):
    """Invoices whose collection an operator should look at (``selectors.invoices_needing_attention``)."""

    title = "collection"
    parameter_name = "collection"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("attention", "Needs attention (failed, or pending over a day)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
        if self.value() == "attention":
            return queryset.filter(invoices_needing_attention(timezone.now()))
        return queryset


@admin.register(Invoice)
class InvoiceAdmin(ServiceAdmin):
    list_display = [
        "billing_ref",
        "subscription",
        "billing_reason",
        "status_badge",
        "collection_badge",
        "period_start",
        "period_end",
        "total",
        "currency",
        "created_at",
    ]
    list_filter = [CollectionAttentionFilter, "status", "collection_status", "billing_reason", "currency"]
    list_select_related = ["subscription"]
    search_fields = ["subscription__ref_id", "subscription__customer__ref_id", "idempotency_key"]
    ordering = ["-created_at", "-pk"]
    date_hierarchy = "created_at"
    fields = (
        "subscription",
        "status_badge",
        "billing_reason",
        "period_start",
        "period_end",
        "currency",
        "subtotal",
        "discount",
        "tax",
        "total",
        "balance_applied",
        "tax_percentage",
        "coupon_ref_id",
        "idempotency_key",
        "created_at",
        "paid_at",
        "collection_badge",
        "collection_attempted_at",
        "provider_reference",
        "collection_error",
    )
    readonly_fields = fields
    inlines = [InvoiceLineInline]

    @admin.display(description="invoice", ordering="pk")
    def billing_ref(self, invoice: Invoice) -> str:
        return invoice.billing_ref

    @admin.display(description="status", ordering="status")
    def status_badge(self, invoice: Invoice) -> str:
        return badge(invoice.status)

    @admin.display(description="collection", ordering="collection_status")
    def collection_badge(self, invoice: Invoice) -> str:
        return badge(invoice.collection_status)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False


# Plan migrations: the jobs moving subscribers to a version published with ALL_CUSTOMERS. Watched, not driven, here.


class PlanMigrationFailureInline(HistoryInline):
    model = PlanMigrationFailure
    fields = ["subscription", "code", "message", "occurred_at"]
    ordering = ["pk"]
    verbose_name = "subscription not migrated"
    verbose_name_plural = "subscriptions not migrated"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanMigrationFailure]:
        return super().get_queryset(request).select_related("subscription")


@admin.register(PlanMigration)
class PlanMigrationAdmin(admin.ModelAdmin):
    """Read-only: the job runs itself (``subscriptions.services.plan_migrations``); a stalled one is resumed by the
    ``plan-migrations-stalled`` periodic job. The progress bar counts migrated and failed subscriptions."""

    list_display = [
        "package",
        "target",
        "status_badge",
        "progress",
        "migrated",
        "failed",
        "total",
        "created_at",
        "updated_at",
        "finished_at",
    ]
    list_filter = ["status", "package__kind"]
    list_select_related = ["package", "target_version"]
    search_fields = ["package__ref_id"]
    ordering = ["-created_at", "-pk"]
    fields = (
        "package",
        "target",
        "status_badge",
        "progress",
        "total",
        "migrated",
        "failed",
        "error",
        "cursor",
        "batch",
        "created_at",
        "updated_at",
        "finished_at",
    )
    readonly_fields = fields
    inlines = [PlanMigrationFailureInline]

    @admin.display(description="target version", ordering="target_version__version_number")
    def target(self, migration: PlanMigration) -> str:
        return f"v{migration.target_version.version_number}"

    @admin.display(description="status", ordering="status")
    def status_badge(self, migration: PlanMigration) -> str:
        return badge(migration.status)

    @admin.display(description="progress")
    def progress(self, migration: PlanMigration) -> str:
        processed = migration.migrated + migration.failed
        percent = 100 if migration.total == 0 else min(100, processed * 100 // migration.total)
        return format_html(
            '<progress class="plan-migration-progress" value="{}" max="100"></progress> {} / {} ({}%)',
            percent,
            processed,
            migration.total,
            percent,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The customer page's subscriptions, credit balance and actions (the customers app may not import this one).
customer_page_register("subscriptions", admin_customers.CUSTOMER_PAGE)
