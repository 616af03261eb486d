"""The customers' operator console.

Customers are provisioned and edited through the API; here operators find them (by id, name or email), read
their profile and resources, and archive or unarchive them with actions that call the same services as the API.
Nothing is edited in place and nothing is deleted: subscriptions and invoices keep pointing at customers.
The page's subscriptions (an inline) and its "Provision a subscription" action are added by the subscriptions app
(``subscriptions.admin_customers`` extends ``CustomerAdmin`` and registers it in its place): this app must not
import that one.
"""

from collections.abc import Callable
from datetime import datetime

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from config.errors import DomainError
from customers import services
from customers.models import Customer, CustomerResource

BADGE_COLORS = {"ACTIVE": "#2e7d32", "ARCHIVED": "#616161"}
PROFILE_FIELDS = [
    "ref_id",
    "status_badge",
    "name",
    "email",
    "billing_id",
    "billing_currency",
    "coupon",
    "language",
    "timezone",
    "metadata",
    "default_payment_method",
    "passthrough",
    "integrations",
    "archived_at",
    "created_at",
    "updated_at",
]


def customer_status(customer: Customer) -> str:
    return "ARCHIVED" if customer.is_archived else "ACTIVE"


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", "Active"), ("yes", "Archived")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        return queryset


class CustomerResourceInline(admin.TabularInline):
    """Resources are created by subscriptions; here they are history."""

    model = CustomerResource
    fields = ["ref_id", "created_at", "updated_at"]
    readonly_fields = fields
    extra = 0
    ordering = ["pk"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["ref_id", "name", "email", "status_badge", "billing_currency", "coupon", "created_at"]
    list_filter = [ArchivedFilter, "billing_currency"]
    list_select_related = ["coupon"]
    search_fields = ["ref_id", "name", "email"]
    ordering = ["-created_at", "-pk"]
    date_hierarchy = "created_at"
    fields = PROFILE_FIELDS
    readonly_fields = PROFILE_FIELDS
    inlines = [CustomerResourceInline]
    actions = ["archive_customers", "unarchive_customers"]

    @admin.display(description="status", ordering="archived_at")
    def status_badge(self, customer: Customer) -> str:
        status = customer_status(customer)
        return format_html(
            '<span class="customer-badge customer-badge-{}" style="background:{};color:#fff;padding:2px 8px;'
            'border-radius:10px;font-size:11px;font-weight:600;white-space:nowrap">{}</span>',
            status.lower(),
            BADGE_COLORS[status],
            status,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        # The profile is read-only here (the API edits it); state changes are the actions below.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.change_customer")

    def run_service(
        self,
        request: HttpRequest,
        queryset: QuerySet[Customer],
        service: Callable[[Customer, datetime], str],
        *,
        done: str,
    ) -> None:
        """Call ``service`` for each selected customer; each call is its own transaction, each refusal is shown."""
        now = timezone.now()
        succeeded = []
        for customer in queryset.order_by("pk"):
            try:
                succeeded.append(service(customer, now))
            except DomainError as error:
                self.message_user(request, f"{customer}: {error.message}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{done}: {', '.join(succeeded)}.", messages.SUCCESS)

    @admin.action(description="Archive selected customers (clears name and email)", permissions=["archive"])
    def archive_customers(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        self.run_service(
            request,
            queryset,
            lambda customer, now: services.customer_archive(customer=customer, now=now).ref_id,
            done="Archived",
        )

    @admin.action(description="Unarchive selected customers", permissions=["archive"])
    def unarchive_customers(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        self.run_service(
            request,
            queryset,
            lambda customer, now: services.customer_unarchive(customer=customer, now=now).ref_id,
            done="Unarchived",
        )
