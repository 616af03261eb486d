"""Operator console for metering: counters and measurements are history, shown read-only (usage changes only
through ``usage_report``)."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from metering.models import UsageCounter, UsageMeasurement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(UsageCounter)
class UsageCounterAdmin(ReadOnlyAdmin):
    list_display = ["customer", "resource_key", "feature", "period_start", "value", "updated_at"]
    list_select_related = ["customer", "feature"]
    list_filter = ["feature"]
    search_fields = ["customer__ref_id", "resource_key", "feature__ref_id"]
    date_hierarchy = "period_start"


@admin.register(UsageMeasurement)
class UsageMeasurementAdmin(ReadOnlyAdmin):
    list_display = [
        "ref_id",
        "customer",
        "resource_key",
        "feature",
        "update_behavior",
        "value",
        "current_usage",
        "timestamp",
        "created_at",
    ]
    list_select_related = ["customer", "feature"]
    list_filter = ["update_behavior", "feature"]
    search_fields = ["ref_id", "customer__ref_id", "feature__ref_id", "idempotency_key"]
    date_hierarchy = "created_at"
