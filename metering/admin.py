"""Operator console for metering: counters, measurements and raw events are history, shown read-only (usage
changes only through ``usage_report`` and the event aggregation); a usage-history page per customer and feature,
linked from the customer page (``customer_page_register``)."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from catalog.admin_base import HistoryAdmin
from config.errors import DomainError
from customers.admin import CustomerPageSection, customer_page_register
from customers.models import Customer
from metering.history import usage_history
from metering.models import Event, PendingEvent, UsageCounter, UsageMeasurement

HISTORY_DEFAULT_DAYS = 30
HISTORY_MAX_DAYS = 365


def usage_history_url(customer_ref_id: str, feature_ref_id: str = "", resource_ref_id: str = "") -> str:
    """The console page of a customer's usage history of a feature (for links from the customer page)."""
    query = {"customer": customer_ref_id, "feature": feature_ref_id, "resource": resource_ref_id}
    return f"{reverse('admin:metering_usagecounter_usage_history')}?{urlencode({k: v for k, v in query.items() if v})}"


@admin.display(description="usage history")
def usage_history_links(customer: Customer) -> str:
    """The customer page's link to the usage history of each feature (and resource) the customer has usage of."""
    counted = (
        UsageCounter.objects.filter(customer=customer)
        .values_list("feature__ref_id", "resource_key")
        .distinct()
        .order_by("feature__ref_id", "resource_key")
    )
    links = format_html_join(
        ", ",
        '<a class="usage-history-link" href="{}">{}</a>',
        (
            (usage_history_url(customer.ref_id, feature, resource), f"{feature} ({resource})" if resource else feature)
            for feature, resource in counted
        ),
    )
    return links or format_html('<a href="{}">none yet; open the usage history</a>', usage_history_url(customer.ref_id))


customer_page_register("metering", CustomerPageSection(fields=[usage_history_links]))


@admin.register(UsageCounter)
class UsageCounterAdmin(HistoryAdmin):
    list_display = ["customer", "resource_key", "feature", "period_start", "value", "updated_at"]
    list_select_related = ["customer", "feature"]
    list_filter = ["feature"]
    search_fields = ["customer__ref_id", "resource_key", "feature__ref_id"]
    date_hierarchy = "period_start"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.usage_history_view)
        history = path("history/", view, name="metering_usagecounter_usage_history")
        return [history, *super().get_urls()]

    def usage_history_view(self, request: HttpRequest) -> HttpResponse:
        """Usage of one feature for one customer (and resource) over the last days, as U2 answers it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        query = request.GET
        customer_ref_id, feature_ref_id = query.get("customer", "").strip(), query.get("feature", "").strip()
        resource_ref_id, group_by = query.get("resource", "").strip(), query.get("group_by", "").strip()
        days = int(query["days"]) if query.get("days", "").isdigit() else HISTORY_DEFAULT_DAYS
        days = min(max(days, 1), HISTORY_MAX_DAYS)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "Usage history",
            "opts": self.opts,
            "customer_ref_id": customer_ref_id,
            "feature_ref_id": feature_ref_id,
            "resource_ref_id": resource_ref_id,
            "group_by": group_by,
            "days": days,
            "max_days": HISTORY_MAX_DAYS,
        }
        if customer_ref_id and feature_ref_id:
            now = timezone.now()
            try:
                context["history"] = usage_history(
                    customer_ref_id=customer_ref_id,
                    feature_ref_id=feature_ref_id,
                    resource_ref_id=resource_ref_id or None,
                    group_by=group_by or None,
                    start=now - timedelta(days=days),
                    end=now,
                    now=now,
                )
            except DomainError as error:
                context["error"] = error.message
        return TemplateResponse(request, "admin/metering/usagecounter/history.html", context)


@admin.register(UsageMeasurement)
class UsageMeasurementAdmin(HistoryAdmin):
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


@admin.register(Event)
class EventAdmin(HistoryAdmin):
    list_display = ["event_name", "customer", "resource_key", "timestamp", "created_at", "is_aggregated"]
    list_select_related = ["customer"]
    list_filter = ["event_name"]
    search_fields = ["customer__ref_id", "event_name", "idempotency_key"]
    date_hierarchy = "timestamp"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).annotate(pending=Exists(PendingEvent.objects.filter(event=OuterRef("pk"))))

    @admin.display(boolean=True, description="aggregated")
    def is_aggregated(self, event: Event) -> bool:
        """Counted into usage: no longer waiting in the aggregation queue."""
        # ``pending``: an annotation of ``get_queryset``, unknown to the model's type.
        return not event.pending  # type: ignore[attr-defined]
