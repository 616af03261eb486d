"""The customers' operator console.

Customers are provisioned and edited through the API; here operators find them (by id, name or email), read
their profile and resources, and archive or unarchive them with actions that call the same services as the API.
Nothing is edited in place and nothing is deleted: subscriptions and invoices keep pointing at customers.
Apps above this one add their parts of the page (the subscriptions app its inlines and actions, metering its
usage-history links) with ``customer_page_register`` from their own admin modules: this app must not import them.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR, InlineModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from config import admin_actions
from config.admin_actions import NoWrites
from customers import services
from customers.models import Customer, CustomerResource

BADGE_COLORS = {"ACTIVE": "#2e7d32", "ARCHIVED": "#616161"}
PROFILE_FIELDS = (
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
)


@dataclass(frozen=True)
class CustomerPageAction:
    """An action on the customer list: ``function(model_admin, request, queryset)`` (named by its ``__name__``,
    described with ``admin.action(description=...)``), offered to operators who have ``permission``
    (``"app_label.codename"``)."""

    function: Callable[["CustomerAdmin", HttpRequest, QuerySet[Customer]], HttpResponse | None]
    permission: str


@dataclass(frozen=True)
class CustomerPageSection:
    """One app's part of the customer page: inlines under the profile, read-only fields after it (functions of the
    customer, labelled with ``admin.display(description=...)``) and actions on the customer list."""

    inlines: Sequence[type[InlineModelAdmin]] = ()
    fields: Sequence[Callable[[Customer], str]] = ()
    actions: Sequence[CustomerPageAction] = ()


# Keyed by app label, in registration order (the order of ``INSTALLED_APPS``, whose admin modules register).
_page_sections: dict[str, CustomerPageSection] = {}


def customer_page_register(app_label: str, section: CustomerPageSection) -> None:
    """Add an app's section to the customer page. Registering again for the same app replaces its section."""
    _page_sections[app_label] = section


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


class CustomerResourceInline(NoWrites, admin.TabularInline):
    """Resources are created by subscriptions; here they are history."""

    model = CustomerResource
    fields = readonly_fields = ("ref_id", "created_at", "updated_at")
    extra = 0
    ordering = ["pk"]


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

    def get_inlines(self, request: HttpRequest, obj: Customer | None) -> list[type[InlineModelAdmin]]:
        return [*self.inlines, *(inline for section in _page_sections.values() for inline in section.inlines)]

    def get_fields(self, request: HttpRequest, obj: Customer | None = None) -> list[Any]:
        return [*PROFILE_FIELDS, *(field for section in _page_sections.values() for field in section.fields)]

    def get_readonly_fields(self, request: HttpRequest, obj: Customer | None = None) -> list[Any]:
        return self.get_fields(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """This app's actions, then the registered sections' that the operator has the permission for."""
        actions = super().get_actions(request)
        if IS_POPUP_VAR in request.GET:
            return actions
        for section in _page_sections.values():
            for action in section.actions:
                resolved = self.get_action(action.function)  # (function, name, description)
                if resolved is not None and request.user.has_perm(action.permission):
                    actions[resolved[1]] = resolved
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        # The profile is read-only here (the API edits it); state changes are the actions below.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.change_customer")

    # Operator actions call their service through one helper: a transaction per row, each refusal shown.
    run_service = admin_actions.run_service

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
